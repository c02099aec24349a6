import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';

/** The gateway with its executor wrapped by `around`; loading its schema and stopping stay its own. */
export function wrapExecutor(
  gateway: GatewayInterface,
  around: (execute: GatewayExecutor) => GatewayExecutor,
): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      if (!loaded.executor) throw new Error('The gateway has no executor to wrap');
      return { ...loaded, executor: around(loaded.executor) };
    },
  };
}
