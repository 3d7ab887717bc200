"""shared models and utilities"""
