/**
 * Validators generated ahead of time as code. Run from the TypeScript sources there are none
 * (compiler/validators.ts compiles each schema on first use); the build (scripts/build.mjs)
 * replaces this module with the code that scripts/validators.ts generates.
 */
import type { ValidateFunction } from 'ajv';

export interface PrebuiltValidators {
  /** The pipeline language's schema (schemas/pipeline.schema.json); created on first call. */
  pipeline(): ValidateFunction;
  /** Each step kind's input schema by kind name: the schema it was generated from (as JSON), and its validator's factory. */
  inputs: ReadonlyMap<string, { schema: string; create(): ValidateFunction }>;
}

export const prebuilt: PrebuiltValidators | undefined = undefined;
