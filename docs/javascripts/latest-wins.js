// A demo's run() as the reader drives it: sliders and typing ask for runs faster than a model answers.

/** `task` (async) wrapped so that runs never overlap and the latest request wins: a call while a run is
 *  going asks for exactly one more run after it (however many calls came), which then reads the newest
 *  input. A run's error goes to `onError` and does not stop the next. `run.busy()` says whether one is going. */
export function latestWins(task, onError) {
  let running = null, again = false;
  const run = async () => {
    if (running) { again = true; return; }
    running = (async () => task())();
    try { await running; } catch (err) { onError(err); } finally { running = null; }
    if (again) { again = false; await run(); }
  };
  run.busy = () => running !== null;
  return run;
}
