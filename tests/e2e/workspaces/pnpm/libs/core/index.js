const escapeHtml = require('escape-html');

// A tiny shared helper with its own runtime dependency (escape-html).
exports.bold = (text) => `<b>${escapeHtml(text)}</b>`;
exports.name = '@acme/core';
