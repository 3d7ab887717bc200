const core = require('@acme/core');
const leven = require('leven');

console.log(`worker: ${core.bold('job')} distance(kitten,sitting)=${leven('kitten', 'sitting')}`);
