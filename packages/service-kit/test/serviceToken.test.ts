import { describe, expect, it } from 'vitest';
import {
  allowedCallers,
  processSecrets,
  serviceCallerCheck,
  serviceCallerKeys,
  serviceCredential,
} from '../src/index.ts';

describe('service credentials', () => {
  it('uses the development credentials only with NODE_ENV=development or test, set explicitly', () => {
    for (const NODE_ENV of [undefined, 'production', 'staging']) {
      expect(() => serviceCredential('gateway', 'product', { NODE_ENV })).toThrow(
        /SERVICE_TOKEN must be set/,
      );
      expect(() => serviceCallerCheck('product', { NODE_ENV, SERVICE_TOKEN: 'x'.repeat(32) })).toThrow(
        /SERVICE_CALLERS must be set for product/,
      );
    }
    for (const NODE_ENV of ['development', 'test'])
      expect(
        serviceCallerCheck('product', { NODE_ENV })(serviceCredential('gateway', 'product', { NODE_ENV })),
      ).toBe('gateway');
  });

  it('accepts, with configured keys, exactly the callers the registry allows', () => {
    const secrets = processSecrets('root-of-this-test');
    const production = (name: keyof typeof secrets) => ({
      NODE_ENV: 'production',
      SERVICE_TOKEN: secrets[name],
      SERVICE_CALLERS: serviceCallerKeys(secrets)[name],
    });
    expect(allowedCallers('product')).toEqual(['order', 'coordinator', 'gateway']);
    const productAccepts = serviceCallerCheck('product', production('product'));
    for (const caller of ['order', 'coordinator', 'gateway'] as const)
      expect(productAccepts(serviceCredential(caller, 'product', production(caller)))).toBe(caller);
    for (const caller of ['ride', 'driver', 'inventory', 'shipping'] as const)
      expect(productAccepts(serviceCredential(caller, 'product', production(caller)))).toBeUndefined();
    // A key is bound to its callee: the gateway's key for order is worth nothing at product.
    expect(productAccepts(serviceCredential('gateway', 'order', production('gateway')))).toBeUndefined();
    // A key for a caller the registry does not allow is ignored even when configured.
    const withRide = `${production('product').SERVICE_CALLERS},ride:${serviceCredential('ride', 'product', production('ride')).split('.')[1]}`;
    const lenient = serviceCallerCheck('product', { ...production('product'), SERVICE_CALLERS: withRide });
    expect(lenient(serviceCredential('ride', 'product', production('ride')))).toBeUndefined();
    for (const garbage of [undefined, '', '.', 'gateway', 'gateway.', 'nobody.abc'])
      expect(productAccepts(garbage)).toBeUndefined();
  });

  it('stops at start on a malformed SERVICE_CALLERS or an unknown caller name', () => {
    const env = { NODE_ENV: 'production', SERVICE_TOKEN: 'x'.repeat(32) };
    expect(() => serviceCallerCheck('product', { ...env, SERVICE_CALLERS: 'gateway' })).toThrow(
      /SERVICE_CALLERS/,
    );
    expect(() => serviceCallerCheck('product', { ...env, SERVICE_CALLERS: 'gatewy:abc' })).toThrow(/gatewy/);
  });
});
