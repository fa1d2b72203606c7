// House lint rules (issue 12 item 5): typescript-eslint's type-aware checks over everything tsc compiles.
// The promise rules are the point: a floating or misused promise in a money path is a lost error.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-artifacts/', 'data/', 'bench/results/', 'src/views/static/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'scripts/*.mjs', 'bench/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test runs and awaits describe/it itself; every other promise must be awaited or voided.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      // Fastify plugins and interface implementations are async by contract, awaiting nothing.
      '@typescript-eslint/require-await': 'off',
      // Methods are saved to be wrapped and called back with .call (access log), or are closures typed as methods.
      '@typescript-eslint/unbound-method': 'off',
      // Input checks match control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
    },
  },
  {
    // light-my-request's .json() is `any`: tests read answers untyped and assert their shape at run time.
    // Plain .mjs scripts have no types to be unsafe about.
    files: ['test/**', 'bench/**', 'scripts/**', 'bin/**'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
);
