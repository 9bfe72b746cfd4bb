// @idem/core/redis: idem's store on Redis through an ioredis-shaped client your application already has.
export {
  createRedisStore,
  type RedisScriptClient,
  type RedisStoreOptions,
  type RedisSubscriberClient,
} from './stores/redis/store.ts';
