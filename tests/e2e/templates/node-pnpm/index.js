console.log("node-pnpm: ok");
