// A tiny HTTP service: no SIGTERM handler, so only an init process makes `docker stop` quick.
const http = require('http');
const fs = require('fs');
const leftPad = require('left-pad');

const banner = fs.readFileSync(`${__dirname}/dist/banner.txt`, 'utf8').trim();
http.createServer((req, res) => {
  res.end(`${leftPad(process.env.GREETING || 'hi', 12, '.')} ${banner}\n`);
}).listen(8000, () => console.log('ext: listening on 8000'));
