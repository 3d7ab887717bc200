const { greet } = require('@acme/greet');
const leftPad = require('left-pad');

console.log(`api: ${leftPad(greet('<api>'), 30, '.')}`);
