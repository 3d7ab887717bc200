# The static site's build: `bc` comes from build-packages (absent from the web server image).
mkdir -p dist
echo "site-ext: ok $(echo '6*7' | bc)" >dist/index.html
