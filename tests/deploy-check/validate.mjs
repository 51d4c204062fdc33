// Validates every document of the given Kubernetes manifests against the Kubernetes API schema
// (types, required fields, enums, formats) as the kubernetes-models package generates it, offline.
// Prints one JSON line per document: {file, kind, name, valid, error, document}. Exit 1 if any is invalid.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const o = doc.toJS();
    const result = { file, kind: o?.kind, name: o?.metadata?.name, valid: false, error: null, document: o };
    try {
      if (doc.errors.length) throw new Error(doc.errors.map(e => e.message).join('; '));
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [null, o.apiVersion];
      const module = await import(`kubernetes-models/${group ? group + '/' : ''}${version}/${o.kind}`);
      new module[o.kind](o).validate();
      result.valid = true;
    } catch (e) {
      result.error = e.message;
      failed = true;
    }
    console.log(JSON.stringify(result));
  }
}
process.exit(failed ? 1 : 0);
