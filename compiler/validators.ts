/**
 * The compiler's JSON Schema validators: the pipeline language's and each step kind's `with:`
 * schema. The built CLI carries them generated ahead as code (compiler/prebuilt-validators.ts);
 * whatever was not generated then (the TypeScript sources, a kind added at run time, a schema that
 * differs from the one generated from) is compiled here on first use with the same ajv options, so
 * both give the same errors. ajv itself is loaded only to compile: it takes longer to load than
 * the generated code does to run.
 */
import { createRequire } from 'node:module';
import type * as AjvModule from 'ajv';
import type { Ajv, ValidateFunction } from 'ajv';
import type { FormatsPlugin } from 'ajv-formats';
import pipelineSchema from '../schemas/pipeline.schema.json' with { type: 'json' };
import type { StepSpec } from '../engine/kind.js';
import { parseDuration } from './duration.js';
import { prebuilt } from './prebuilt-validators.js';

const load = createRequire(import.meta.url);

/**
 * The language alone: `definitions.kindInputs` (each kind's `with:`, generated for editors by
 * kinds/editor-schema.ts) is left out; compiler/wiring.ts checks `with:` with expressions resolved.
 */
export const languageSchema = { ...pipelineSchema, definitions: { ...pipelineSchema.definitions, kindInputs: true } };

/**
 * The ajv instance for the pipeline language's schema (union types, the `x-error` annotation).
 * `source`: keep each validator's code, to generate it ahead (see scripts/validators.ts).
 */
export function createPipelineAjv(source = false): Ajv {
  const { Ajv, _ } = load('ajv') as typeof AjvModule;
  // `optimize: false`: a validator runs a few times per process (a CLI call); optimising its code costs more than it saves.
  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true, strictRequired: false, code: { optimize: false, source } });
  ajv.addKeyword({ keyword: 'x-error', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-code', schemaType: 'string' });
  // The longest duration Temporal takes (a protobuf Duration: 10,000 years); longer ones overflow.
  // Generated code calls `parseDuration` by that name: the generated module imports it.
  ajv.addKeyword({
    keyword: 'x-max-duration-ms',
    schemaType: 'number',
    code(cxt) {
      const parse = cxt.gen.scopeValue('func', { ref: parseDuration, code: _`parseDuration` });
      cxt.fail(_`(${parse}(${cxt.data}) ?? 0) > ${cxt.schema as number}`);
    },
  });
  return ajv;
}

/** The ajv instance for step kinds' input schemas (loose: kinds may use any keyword and format). */
export function createInputAjv(source = false): Ajv {
  const { Ajv } = load('ajv') as typeof AjvModule;
  // CommonJS: the plugin is the module's `default` property.
  const addFormats = (load('ajv-formats') as { default: FormatsPlugin }).default;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true, code: { optimize: false, source } });
  addFormats(ajv);
  return ajv;
}

let pipelineValidatorFn: ValidateFunction | undefined;

export function pipelineValidator(): ValidateFunction {
  pipelineValidatorFn ??= prebuilt ? prebuilt.pipeline() : createPipelineAjv().compile(languageSchema);
  return pipelineValidatorFn;
}

let inputAjv: Ajv | undefined;
const inputs = new WeakMap<object, ValidateFunction | Error>();

/** A kind's input schema compiled now, or the error that compiling it raised. */
export function compileInputValidator(schema: object): ValidateFunction | Error {
  try {
    inputAjv ??= createInputAjv();
    return inputAjv.compile(schema);
  } catch (err) {
    return err as Error;
  }
}

/** The validator of a kind's input schema (memoised), or the error that compiling it raised. */
export function inputValidator(spec: StepSpec): ValidateFunction | Error {
  const schema = spec.input as object;
  let v = inputs.get(schema);
  if (!v) {
    const ahead = prebuilt?.inputs.get(spec.name);
    v = ahead && ahead.schema === JSON.stringify(schema) ? ahead.create() : compileInputValidator(schema);
    inputs.set(schema, v);
  }
  return v;
}
