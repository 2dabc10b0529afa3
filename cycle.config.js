import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
export default [
  { ignores: ['node_modules/', 'data/', '.tap/', 'db/migrations/', 'server/public/'] },
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser }, plugins: { 'import-x': importX },
    settings: { 'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] }, 'import-x/extensions': ['.ts', '.js', '.mjs'], 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.mjs'] } } },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] } },
];
