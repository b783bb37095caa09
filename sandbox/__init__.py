"""Local stand-ins for Shopify, WooCommerce and SendGrid, and the demo launcher.

Developer tools shipped with the project; never imported by app/, connectors/ or workers/.
"""
