/**
 * The page side of run-in-chromium.ts's protocol, for page entries: each step reached is POSTed
 * to /progress as {step, ms} (so a timeout says how far the page got), and the outcome of main to
 * /result as {ok, report} or {ok: false, error}.
 */
const started = performance.now();

export async function step(name: string): Promise<void> {
  await fetch('/progress', { method: 'POST', body: JSON.stringify({ step: name, ms: Math.round(performance.now() - started) }) });
}

export function report(main: () => Promise<unknown>): void {
  main().then(
    (r) => fetch('/result', { method: 'POST', body: JSON.stringify({ ok: true, report: r }) }),
    (e: unknown) => fetch('/result', { method: 'POST', body: JSON.stringify({ ok: false, error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) }) }),
  );
}
