// ESLint flat config (CommonJS, as package.json has no "type"): the site's browser modules and the
// build's Node scripts, with ESLint's recommended rules.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  // Built and vendored output is not ours to lint.
  { ignores: ["site/**", "build/**", ".venv/**", ".cache/**", ".bench/**", "docs/assets/vendor/**"] },
  js.configs.recommended,
  {
    files: ["docs/javascripts/**/*.js"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: { ...globals.browser } },
  },
  {
    files: ["scripts/*.mjs"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: { ...globals.node } },
  },
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
];
