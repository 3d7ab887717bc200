// The `build` script: needs the devDependency kleur, writes dist/ for the runtime stage.
const fs = require('fs');
const { bold } = require('kleur');

fs.mkdirSync(`${__dirname}/dist`, { recursive: true });
fs.writeFileSync(`${__dirname}/dist/banner.txt`, `built with kleur (${typeof bold})\n`);
