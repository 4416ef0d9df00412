# `make schema`: rewrites the generated part of schemas/pipeline.schema.json (each step kind's
# `with:` schema, for editors: kinds/editor-schema.ts) from the kinds' specs. Run it after changing
# a spec; test/kinds/published-schema.test.ts fails until it has run.
.PHONY: schema

schema: node_modules/.installed
	npx tsx scripts/write-pipeline-schema.ts
