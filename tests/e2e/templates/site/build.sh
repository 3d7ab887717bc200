mkdir -p dist
echo "site: ok" > dist/index.html
