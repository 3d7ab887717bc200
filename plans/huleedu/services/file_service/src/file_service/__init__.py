"""file service"""
