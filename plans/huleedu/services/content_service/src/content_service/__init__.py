"""content service"""
