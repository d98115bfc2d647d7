export { LruMap } from './lru.ts';
