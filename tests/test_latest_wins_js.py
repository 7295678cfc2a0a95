"""latest-wins.js, the run() wrapper the scene demos share, in Node: runs never overlap, calls during a
run collapse into one more run that sees the newest input, and an error is reported without stopping it."""
from tests.nodejs import JS, evaluate

MODULES = {"lw": JS / "latest-wins.js"}


def test_calls_during_a_run_give_one_more_run_with_the_newest_input():
    out = evaluate("""
      let input = 0, active = 0, overlap = false;
      const seen = [];
      const run = lw.latestWins(async () => {
        overlap ||= active > 0;
        active++;
        const read = input;
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(read);
        active--;
      }, () => {});
      const first = run();
      const busy = run.busy();
      for (let i = 1; i <= 5; i++) { input = i; run(); }
      await first;
      return { seen, overlap, busy, after: run.busy() };
    """, MODULES)
    assert out == {"seen": [0, 5], "overlap": False, "busy": True, "after": False}


def test_an_error_is_reported_and_the_requested_run_still_happens():
    out = evaluate("""
      const errors = [], done = [];
      let calls = 0;
      const run = lw.latestWins(async () => {
        calls++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (calls === 1) throw new Error("bad scene");
        done.push(calls);
      }, (err) => errors.push(err.message));
      const first = run();
      run();
      await first;
      return { errors, done, busy: run.busy() };
    """, MODULES)
    assert out == {"errors": ["bad scene"], "done": [2], "busy": False}
