print("app: ok")
