// `--import` this in a worker's execArgv to run TypeScript sources there (see swcHooks.mjs).
import { register } from 'node:module';

register('./swcHooks.mjs', import.meta.url);
