/** An OpenAPI document, as much of it as the docs page reads. */
interface OpenApi {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  security?: unknown[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const json = (v: unknown) => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

/**
 * The docs page: every operation of the OpenAPI document with its role, parameters, body and
 * answers (their JSON Schemas), on one self-contained page (no script, nothing fetched).
 */
export function docsPage(doc: OpenApi): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })));
  const rows = ops.map(({ path, method, op }, i) => `<tr><td><code>${method}</code></td><td><a href="#op${i}"><code>${esc(path)}</code></a></td><td>${esc(op.description ?? '')}</td><td>${esc(op.summary ?? '')}</td></tr>`).join('\n');
  const details = ops
    .map(({ path, method, op }, i) => {
      const params = (op.parameters ?? []).map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''})${p.description ? `: ${esc(p.description)}` : ''} ${json(p.schema)}</li>`).join('');
      const body = op.requestBody?.content?.['application/json']?.schema;
      const answers = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<details><summary>${esc(status)} ${esc(r.description ?? '')}</summary>${json(Object.values(r.content ?? {})[0]?.schema ?? null)}</details>`)
        .join('');
      return `<section id="op${i}"><h3><code>${method} ${esc(path)}</code></h3><p>${esc(op.summary ?? '')}</p><p><em>${esc(op.description ?? '')}</em></p>${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}${body ? `<h4>Body</h4>${json(body)}` : ''}<h4>Answers</h4>${answers}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}pre{background:#f6f6f6;padding:.5rem;overflow:auto;max-height:24rem}section{border-top:2px solid #eee;margin-top:1.5rem}</style>
</head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Every <code>/api/v1</code> route needs <code>Authorization: Bearer &lt;token&gt;</code>; writes need the role <code>operator</code> and are rate-limited. Lists take <code>?limit=</code> and <code>?cursor=</code> (the previous page's <code>nextCursor</code>). Errors are <code>{"error":{"code","message","field"}}</code>.</p>
<table><thead><tr><th>method</th><th>path</th><th>auth</th><th>what</th></tr></thead><tbody>
${rows}
</tbody></table>
${details}
</body></html>`;
}
