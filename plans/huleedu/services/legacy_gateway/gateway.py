print("legacy_gateway: ok")
