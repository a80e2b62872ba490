/** Ctrl-C cancels the operation cleanly (no partial objects) instead of killing the process mid-write. */
export function cancellable(): { signal: AbortSignal; done: () => void } {
  const ac = new AbortController();
  const onSig = () => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling… (press Ctrl-C again to exit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSig);
  return { signal: ac.signal, done: () => process.off('SIGINT', onSig) };
}
