import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalUiAddress: string;
  }
}
