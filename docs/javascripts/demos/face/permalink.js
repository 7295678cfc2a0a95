// The rig's slider values in the page address (?rig=jaw_open:0.5,smile:0.2), so a pose can be linked.
// The address is untrusted input: unknown names, non-numbers and values outside a slider's range are refused.

/** "jaw_open:0.5,smile:0.2" → { jaw_open: 0.5, smile: 0.2, ...others 0 }; throws an Error naming the problem. */
export function parseRig(text, rig) {
  const values = Object.fromEntries(rig.controls.map((name) => [name, 0]));
  for (const part of String(text).split(",").filter(Boolean)) {
    const [name, value, extra] = part.split(":");
    const k = rig.controls.indexOf(name);
    if (k < 0 || extra !== undefined) throw new Error(`'${part.slice(0, 40)}' is not control:value (controls: ${rig.controls.join(", ")})`);
    const number = Number(value);
    const [lo, hi] = rig.ranges[k];
    if (value === "" || !Number.isFinite(number) || number < lo || number > hi) {
      throw new Error(`${name} must be a number from ${lo} to ${hi}, got '${String(value).slice(0, 20)}'`);
    }
    values[name] = number;
  }
  return values;
}

/** { control: value } → "jaw_open:0.5,smile:0.2": controls at 0 are left out. */
export function formatRig(values) {
  return Object.entries(values).filter(([, v]) => v !== 0).map(([n, v]) => `${n}:${Number(v.toFixed(3))}`).join(",");
}
