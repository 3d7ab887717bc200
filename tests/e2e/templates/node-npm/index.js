console.log("node-npm: ok");
