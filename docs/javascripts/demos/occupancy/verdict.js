// What the training script measured for the whole model, said in the box: where it falls short, the box says so.

/** One sentence from the sidecar: `evaluation` is metrics.evaluation (per-family IoU as train.py records it),
 *  `bar` the IoU the demo aims for, `grid` the voxel grid's side and `points` the number of input points. */
export function modelVerdict(evaluation, bar, grid, points) {
  const all = evaluation.per_family.all;
  const families = Object.keys(evaluation.per_family).filter((f) => f !== "all");
  const below = (kind) => families.filter((f) => evaluation.per_family[f][`iou_${kind}`] < bar);
  const part = (kind, what) => `${all[`iou_${kind}`].toFixed(3)} from ${what}` +
    (below(kind).length ? ` (below ${bar}: ${below(kind).join(", ")})` : "");
  const met = all.iou_voxels >= bar && all.iou_points >= bar;
  return `On ${evaluation.held_out_shapes} held-out shapes this model's mean IoU is ${part("voxels", `${grid}³ voxels`)} ` +
    `and ${part("points", `${points} noisy points`)}: ${met ? "that meets" : "that falls short of"} the ${bar} this demo aims for. ` +
    "The results on this page give the baselines and why.";
}
