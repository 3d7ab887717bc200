const core = require('@acme/core');

// A library that uses the other library.
exports.greet = (who) => `hello ${core.bold(who)}`;
exports.name = '@acme/greet';
