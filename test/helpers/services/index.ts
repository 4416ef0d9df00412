/** Every shared service, by name. Each area adds its one line. */
import type { ServiceStarter } from './types.js';

export const services: Record<string, ServiceStarter> = {
};
