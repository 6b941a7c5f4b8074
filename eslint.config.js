import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'images/**', 'backups/**', 'coverage/**', 'web/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    ignores: ['web/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', fetch: 'readonly' } },
  },
  {
    // The house rules that keep the layout renovated: no module reaches back, through what it
    // imports at runtime, into one that imports it (type-only imports are erased, and the
    // rule leaves them be), and no function grows past what a reader follows in one go.
    files: ['src/**/*.ts', 'migrations/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      complexity: ['error', 15],
      'max-depth': ['error', 4],
    },
  },
  {
    // The browser app (type-checked by `tsc -p web`): browser globals, not Node's.
    files: ['web/**'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', localStorage: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', console: 'readonly' },
    },
  },
);
