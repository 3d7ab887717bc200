"""A tiny web service: serves its folder and answers the health check."""
import http.server
import os
import six

print(f"ext-pip up: six {six.__version__}, cwd {os.getcwd()}", flush=True)
http.server.ThreadingHTTPServer(("", 8000), http.server.SimpleHTTPRequestHandler).serve_forever()
