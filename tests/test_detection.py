"""Shared detection code: the scene generator's boxes, IoU, NMS, YOLO decoding, mAP on hand-checked
cases — and the JavaScript twin (docs/javascripts/detection.js, run by node) agreeing with Python."""
import json

import numpy as np
import pytest
from numpy.testing import assert_allclose

from demos.common import detection as det
from demos.common import sidecar as sc
from demos.common.errors import DemoError
from demos.common.images import decode_png, png_bytes
from demos.rcnn import hard
from demos.rcnn import proposals as prop
from demos.rcnn import selective_search as search
from tests.nodejs import JS, REPLAY_JS, RecordedDraws, imports, run_module


@pytest.mark.parametrize("seed", [0, 1, 2, det.HELD_OUT_SEED])
def test_scenes_are_deterministic_and_boxes_do_not_overlap_much(seed):
    image, boxes, labels = det.make_scene(seed)
    again = det.make_scene(seed)
    assert (image == again[0]).all() and (boxes == again[1]).all() and (labels == again[2]).all()
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8 and 1 <= len(boxes) <= det.MAX_OBJECTS
    assert ((0 <= boxes[:, :2]) & (boxes[:, :2] < boxes[:, 2:]) & (boxes[:, 2:] <= 64)).all()
    if len(boxes) > 1:
        assert det.iou(boxes, boxes)[~np.eye(len(boxes), dtype=bool)].max() <= det.MAX_OVERLAP


@pytest.mark.parametrize("seed", range(10, 20))
def test_a_lone_shape_fills_its_box_edges_and_nothing_outside(seed):
    image, boxes, _ = det.make_scene(seed, objects=1)
    x0, y0, x1, y1 = boxes[0]
    colour = image[(y0 + y1) // 2, (x0 + x1) // 2].astype(int)     # every shape covers its box centre
    like = (np.abs(image.astype(int) - colour) <= 2 * det.NOISE).all(-1)
    inside = like[y0:y1, x0:x1]
    assert inside[0].any() and inside[-1].any() and inside[:, 0].any() and inside[:, -1].any()
    ring = np.zeros((64, 64), bool)
    ring[max(y0 - 1, 0):y1 + 1, max(x0 - 1, 0):x1 + 1] = True
    ring[y0:y1, x0:x1] = False
    assert like[ring].mean() < 0.1        # just outside the box: background (a clutter pixel at most)


@pytest.mark.parametrize("seed", [0, 1, det.HELD_OUT_SEED])
def test_hard_scenes_are_deterministic_new_and_leave_the_standard_generator_alone(seed):
    image, boxes, labels = det.make_hard_scene(seed)
    again = det.make_hard_scene(seed)
    assert (image == again[0]).all() and (boxes == again[1]).all() and (labels == again[2]).all()
    assert image.shape == (64, 64, 3) and 1 <= len(boxes) <= det.MAX_OBJECTS and len(labels) == len(boxes)
    assert ((0 <= boxes[:, :2]) & (boxes[:, :2] < boxes[:, 2:]) & (boxes[:, 2:] <= 64)).all()
    assert not (image == det.make_scene(seed)[0]).all()
    assert det.scene_set([seed])[0][0].tobytes() == det.make_scene(seed)[0].tobytes()   # default unchanged


def test_hard_scenes_break_single_colour_regions_with_occlusion_and_touching_objects():
    """What makes them hard, measured: on standard scenes most boxes *are* one of the proposals (a region of
    one colour); on the harder ones far fewer are; some objects are partly hidden (boxes overlap more than
    make_scene allows) and some touch another (boxes share an edge or overlap)."""
    def exact(generator):
        hits = [bool((proposed == box).all(1).any()) for seed in det.held_out_seeds(60)   # cached: test_rcnn's too
                for _, boxes, _, proposed in [hard.proposed_scene(generator, seed)] for box in boxes]
        return np.mean(hits)
    standard, harder = exact(det.make_scene), exact(det.make_hard_scene)
    assert standard > 0.6 and harder < standard - 0.15, (standard, harder)          # 0.68 and 0.46 on these
    overlapping = touching = 0
    for seed in range(100):
        boxes = det.make_hard_scene(seed)[1]
        if len(boxes) > 1:
            o = det.iou(boxes, boxes)[~np.eye(len(boxes), dtype=bool)]
            overlapping += int(o.max() > det.MAX_OVERLAP)
            touching += int((o > 0).any())
    assert overlapping >= 5 and touching >= 20, (overlapping, touching)


def test_shape_masks_and_box_of_a_known_square():
    mask = det.shape_mask("square", 20.0, 30.0, 10.0)     # half side 8.5: centres 11.5 .. 28.5, 21.5 .. 38.5
    assert det.mask_box(mask) == [11, 21, 29, 39]
    assert mask.sum() == 18 * 18
    triangle = det.shape_mask("triangle", 32.0, 32.0, 8.0)
    rows = triangle.sum(1)[triangle.any(1)]
    assert (np.diff(rows) >= 0).all()                     # apex up: rows widen downwards


def test_iou_by_hand():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 10, 10], [20, 0, 30, 10], [0, 12, 10, 20]])
    assert_allclose(det.iou(a, b), [[50 / 150, 0.0, 1.0, 0.0, 0.0]])    # side by side or stacked: 0, not < 0


def test_nms_keeps_the_best_of_each_class():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [0, 0, 10, 10], [30, 30, 40, 40]], float)
    scores = np.array([0.8, 0.9, 0.7, 0.3])
    labels = np.array([0, 0, 1, 0])
    assert det.nms(boxes, scores, labels, 0.5).tolist() == [1, 2, 3]   # box 0 overlaps box 1 (IoU 0.82)
    assert det.nms(boxes, scores, labels, 0.9).tolist() == [1, 0, 2, 3]


def test_nms_drops_only_above_the_threshold_and_breaks_ties_by_index():
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 5], [0, 0, 10, 10]], float)     # IoU(0, 1) = 0.5 exactly
    labels = np.zeros(3, int)
    assert det.nms(boxes, np.array([0.9, 0.8, 0.1]), labels, 0.5).tolist() == [0, 1]    # 0.5 is not > 0.5
    assert det.nms(boxes, np.array([0.9, 0.8, 0.1]), labels, 0.49).tolist() == [0]
    assert det.nms(boxes, np.array([0.7, 0.1, 0.7]), labels, 0.5).tolist() == [0, 1]    # tie: lower index


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_thresholds_outside_unit_interval_are_refused(bad):
    with pytest.raises(DemoError, match=r"must lie in \[0, 1\]"):
        det.nms(np.zeros((1, 4)), np.ones(1), np.zeros(1), bad)
    with pytest.raises(DemoError, match="confidence threshold"):
        det.decode_yolo(np.zeros((2, 2, 14)), 2, bad)


def test_decode_yolo_by_hand():
    grid = np.zeros((2, 2, 5 * 2 + 3))
    grid[1, 0, 5:10] = [0.5, 0.25, 0.5, 0.25, 0.8]        # cell row 1, col 0, box 1
    grid[1, 0, 10:] = [0.1, 0.7, 0.2]
    boxes, scores, labels, cells = det.decode_yolo(grid, 2, 0.5, size=64)
    assert_allclose(boxes, [[0, 32 + 8 - 8, 32, 40 + 8]])  # centre (16, 40), 32 × 16
    assert_allclose(scores, [0.56]) and labels.tolist() == [1] and cells.tolist() == [[1, 0, 1]]
    grid[1, 0, 9], grid[1, 0, 11] = 0.5, 0.5                # score 0.25 exactly: kept at confidence 0.25
    assert len(det.decode_yolo(grid, 2, 0.25, size=64)[1]) == 1
    assert len(det.decode_yolo(grid, 2, 0.2500001, size=64)[1]) == 0


def test_map_of_a_hand_checked_case():
    truths = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0, 0])),
              (np.array([[0, 0, 10, 10]]), np.array([1]))]
    detections = [(np.array([[0, 0, 10, 10], [1, 1, 11, 11], [40, 40, 50, 50]]), np.array([0.9, 0.8, 0.7]),
                   np.array([0, 0, 0])),
                  (np.array([[0, 0, 10, 10]]), np.array([0.6]), np.array([0]))]
    # class 0, ranked: 0.9 TP, 0.8 duplicate → FP, 0.7 FP, 0.6 (wrong image's class) FP; 2 boxes to find
    # precision/recall: (1, .5), (.5, .5), (.33, .5), (.25, .5) → AP = 0.5 · 1 = 0.5
    # class 1: no detections → AP 0
    result = det.mean_average_precision(detections, truths, classes=2)
    assert result["ap"] == {0: pytest.approx(0.5), 1: 0.0}
    assert result["map"] == pytest.approx(0.25)
    perfect = [(b.astype(float), np.ones(len(b)), l) for b, l in truths]
    assert det.mean_average_precision(perfect, truths, classes=2)["map"] == 1.0


def test_map_takes_the_precision_envelope():
    """Ranked: miss, hit, hit of 2 objects → (r, p) = (0, 0), (.5, .5), (1, .67). The envelope lifts the
    precision at recall .5 to .67: AP = .5 · 2/3 + .5 · 2/3 = 2/3 (without it .5 · .5 + .5 · 2/3 = .583)."""
    truths = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0, 0]))]
    detections = [(np.array([[40, 40, 50, 50], [0, 0, 10, 10], [20, 20, 30, 30]]), np.array([0.9, 0.8, 0.7]),
                   np.array([0, 0, 0]))]
    assert det.mean_average_precision(detections, truths, classes=1)["ap"][0] == pytest.approx(2 / 3)
    assert det.average_precision(np.array([0, 0.5, 1]), np.array([0, 0.5, 2 / 3])) == pytest.approx(2 / 3)
    assert det.average_precision(np.array([0.5, 0.5, 1]), np.array([1, 0.5, 2 / 3])) == pytest.approx(5 / 6)


@pytest.mark.parametrize("height, hit", [(3, False), (4, False), (5, True), (10, True)])
def test_map_matches_at_iou_one_half_exactly(height, hit):
    """A 10×height box inside a 10×10 object has IoU height/10: a hit from 0.5 on (0.3 and 0.4 are misses)."""
    truths = [(np.array([[0, 0, 10, 10]]), np.array([0]))]
    detections = [(np.array([[0, 0, 10, height]]), np.array([0.9]), np.array([0]))]
    assert det.mean_average_precision(detections, truths, classes=1)["map"] == (1.0 if hit else 0.0)
    assert det.mean_average_precision(detections, truths, classes=1, threshold=0.3)["map"] == (height >= 3) * 1.0


def test_map_matches_the_best_free_object_and_ranks_by_score():
    """Objects A (0, 0)-(10, 10) and B (0, 2)-(10, 12). The top detection has IoU .73 with A and .9 with B:
    it takes B, the best, so the second (IoU .7 with A, .42 with B) hits A. Taking the first free object
    instead would leave the second a miss (AP .5). A low-scored miss ranked last costs nothing."""
    truths = [(np.array([[0, 0, 10, 10], [0, 2, 10, 12]]), np.array([1, 1]))]
    detections = [(np.array([[40, 40, 50, 50], [0, 2, 10, 11], [0, 0, 10, 7]]), np.array([0.1, 0.9, 0.8]),
                   np.array([1, 1, 1]))]
    result = det.mean_average_precision(detections, truths, classes=3)
    assert result["ap"] == {1: pytest.approx(1.0)}          # classes 0 and 2 have no objects: not averaged
    assert result["map"] == pytest.approx(1.0)
    wrong_class = [(detections[0][0], detections[0][1], np.array([1, 2, 1]))]
    assert det.mean_average_precision(wrong_class, truths, classes=3)["map"] == pytest.approx(0.5)


def test_png_round_trip_and_scene_loading(tmp_path):
    image = det.make_scene(7)[0]
    assert (np.rint(decode_png(png_bytes(image)) * 255) == image).all()
    path = tmp_path / "scene.png"
    path.write_bytes(png_bytes(np.kron(image, np.ones((3, 3, 1), np.uint8))))   # 192×192, blocky
    assert (det.load_scene(path) == image).all()


def test_proposals_find_every_shape_of_a_plain_scene():
    image = np.full((64, 64, 3), 200, np.uint8)
    image[det.shape_mask("circle", 20, 20, 8)] = [30, 60, 200]
    image[det.shape_mask("cross", 45, 45, 10)] = [200, 30, 30]
    boxes = prop.proposals(image).tolist()
    assert [12, 12, 28, 28] in boxes and [35, 35, 55, 55] in boxes
    assert boxes == sorted(boxes) and len(set(map(tuple, boxes))) == len(boxes)
    assert prop.proposals(np.full((64, 64, 3), 90, np.uint8)).shape == (0, 4)       # blank: the whole image only


def two_pixels(step: int) -> np.ndarray:
    """A 1×2 image whose red channel steps by `step`: smoothed (×16) the step is 8·step, so the edge weighs step / 2."""
    image = np.zeros((1, 2, 3), np.uint8)
    image[0, 1, 0] = step
    return image


def test_felzenszwalb_merges_only_below_internal_difference_plus_scale_over_size():
    """Two single pixels (internal difference 0, size 1) joined by an edge of weight 20 merge when 20 < scale:
    not at scale 20 (strict), at scale 20.5; components under min_size are merged afterwards whatever the weight."""
    image = two_pixels(40)
    assert search.graph(image)[2].tolist() == [(8 * 40) ** 2]             # squared weight × 256
    assert search.felzenszwalb(image, 20, min_size=1).tolist() == [[0, 1]]
    assert search.felzenszwalb(image, 20.5, min_size=1).tolist() == [[0, 0]]
    assert search.felzenszwalb(image, 1, min_size=2).tolist() == [[0, 0]]


def test_felzenszwalb_internal_difference_grows_with_each_merge():
    """A row of steps 0, 10, 10: pixels 0-1 (weight 5) merge at scale 6 and the pair's internal difference is
    then 5, so the next edge (5, after smoothing) merges too only if 5 < 5 + 6 / 2; a big step stays apart."""
    image = np.zeros((1, 4, 3), np.uint8)
    image[0, :, 0] = [0, 0, 0, 120]
    labels = search.felzenszwalb(image, 6, min_size=1)
    assert labels[0, 0] == labels[0, 1] and labels[0, 2] != labels[0, 3], labels


@pytest.mark.parametrize("generator", [det.make_scene, det.make_hard_scene])
def test_our_felzenszwalb_segmentation_is_scikit_images(generator):
    """The same segmentation as scikit-image's (a maintained implementation) on our smoothed pixels, scenes
    of both kinds and every scale: identical partitions (labels may be numbered differently)."""
    from skimage.segmentation import felzenszwalb

    for seed in range(4):
        image = generator(seed)[0]
        for scale in search.SCALES:
            ours = search.felzenszwalb(image, scale)
            theirs = felzenszwalb(search.smooth(image) / 16 / 255, scale=scale, sigma=0, min_size=search.MIN_SIZE)
            pairs = set(zip(ours.reshape(-1).tolist(), theirs.reshape(-1).tolist()))
            assert len(pairs) == ours.max() + 1 == theirs.max() + 1, (seed, scale)      # one-to-one


def test_grouping_merges_the_most_similar_neighbours_first_and_ends_with_one_region():
    """Four flat quadrants, left two alike in colour: the first merge joins those two (colour similarity 1),
    and the hierarchy ends with the whole image; every box is listed once per region, 4 + 3 in all."""
    image = np.zeros((8, 8, 3), np.uint8)
    image[:4, :4], image[4:, :4] = [200, 0, 0], [200, 0, 0]
    image[:4, 4:], image[4:, 4:] = [0, 200, 0], [0, 0, 200]
    labels = np.array([[0] * 4 + [1] * 4] * 4 + [[2] * 4 + [3] * 4] * 4)
    boxes = search.grouping(image, labels)
    assert boxes[:4] == [(0, 0, 4, 4), (4, 0, 8, 4), (0, 4, 4, 8), (4, 4, 8, 8)]
    assert boxes[4] == (0, 0, 4, 8) and boxes[-1] == (0, 0, 8, 8) and len(boxes) == 7


MODULES = {"d": JS / "detection.js", "ss": JS / "demos" / "rcnn" / "selective-search.js", "sc": JS / "parts" / "scenes.js"}


def node(script: str, payload) -> dict:
    """`script` (an ES module) with detection.js, selective search and the scene painter imported as d, ss, sc."""
    return run_module(imports(MODULES) + script, payload)


def test_javascript_decodes_and_suppresses_yolo_golden_grids_like_python():
    card = sc.read("yolo")
    config = card["config"]
    payload = [{"grid": np.asarray(g["output"]["grid"]).reshape(-1).tolist(), "conf": c, "iou": t}
               for g in card["golden"] for c, t in [(0.2, 0.4), (0.05, 0.2), (0.6, 0.8)]]
    script = f"""
    const out = DATA.map(({{grid, conf, iou}}) => {{
      const found = d.decodeYolo(grid, {config['grid']}, {config['boxes']}, {config['classes']}, conf, {config['image']});
      return d.pick(found, d.nms(found.boxes, found.scores, found.labels, iou));
    }});
    console.log(JSON.stringify(out));"""
    for item, js in zip(payload, node(script, payload)):
        grid = np.asarray(item["grid"]).reshape(config["grid"], config["grid"], -1)
        boxes, scores, labels, cells = det.decode_yolo(grid, config["boxes"], item["conf"], config["image"])
        keep = det.nms(boxes, scores, labels, item["iou"])
        assert js["labels"] == labels[keep].tolist() and js["cells"] == cells[keep].tolist()
        assert_allclose(np.reshape(js["boxes"], (-1, 4)), boxes[keep], atol=1e-9)
        assert_allclose(js["scores"], scores[keep], atol=1e-12)
    for golden in card["golden"]:   # the stored detections are what the stored grid decodes to
        grid = np.asarray(golden["output"]["grid"])
        boxes, scores, labels, _ = det.decode_yolo(grid, config["boxes"], 0.2, config["image"])
        keep = det.nms(boxes, scores, labels, 0.4)
        assert labels[keep].tolist() == golden["output"]["labels"]


def test_javascript_gives_the_hand_checked_iou_nms_and_decoding_edge_cases():
    """The boundary cases the Python tests check by hand, through detection.js: IoU of disjoint boxes is 0,
    NMS keeps an IoU of exactly the threshold and is per class, a score equal to the confidence is kept,
    thresholds outside [0, 1] are refused."""
    grid = np.zeros((2, 2, 13))
    grid[1, 0, 5:10], grid[1, 0, 10:] = [0.5, 0.25, 0.5, 0.25, 0.5], [0.1, 0.5, 0.2]     # score 0.25 exactly
    script = """
    const refused = (f) => { try { f(); return false; } catch (err) { return /must lie in \\[0, 1\\]/.test(err.message); } };
    const square = [0, 0, 10, 10], half = [0, 0, 10, 5];
    console.log(JSON.stringify({
      iou: [[20, 0, 30, 10], [0, 12, 10, 20], [20, 20, 30, 30], [5, 0, 15, 10]].map((b) => d.iou(square, b)),
      atThreshold: d.nms([square, half], [0.9, 0.8], [0, 0], 0.5),
      below: d.nms([square, half], [0.9, 0.8], [0, 0], 0.49),
      otherClass: d.nms([square, square], [0.9, 0.8], [0, 1], 0.1),
      tie: d.nms([square, square], [0.7, 0.7], [0, 0], 0.5),
      kept: d.decodeYolo(DATA, 2, 2, 3, 0.25, 64).scores,
      dropped: d.decodeYolo(DATA, 2, 2, 3, 0.2500001, 64).scores,
      refused: [refused(() => d.nms([square], [1], [0], 1.5)), refused(() => d.decodeYolo(DATA, 2, 2, 3, 1.01, 64))],
    }));"""
    out = node(script, grid.reshape(-1).tolist())
    assert_allclose(out["iou"], [0, 0, 0, 50 / 150])
    assert out["atThreshold"] == [0, 1] and out["below"] == [0] and out["otherClass"] == [0, 1] and out["tie"] == [0]
    assert out["kept"] == [0.25] and out["dropped"] == [] and out["refused"] == [True, True]


def test_javascript_proposals_warp_and_nms_match_python_on_rcnn_golden_scenes():
    card = sc.read("rcnn")
    doc = card["preprocessing"]["proposals"]
    payload = []
    for golden in card["golden"]:
        image = det.scene_of(golden["input"])
        rgba = np.concatenate([image, np.full((64, 64, 1), 255, np.uint8)], 2)
        payload.append({"rgba": rgba.reshape(-1).tolist(), "probs": golden["output"]["probs"],
                        "deltas": golden["output"]["deltas"]})
    script = f"""
    const doc = {json.dumps(doc)};
    const out = DATA.map(({{rgba, probs, deltas}}) => {{
      const boxes = ss.selectiveSearch(rgba, 64, 64, doc);
      const labels = probs.map((p) => p.slice(0, -1).indexOf(Math.max(...p.slice(0, -1))));
      const scores = probs.map((p, i) => p[labels[i]]);
      const moved = d.regress(boxes, boxes.map((_, i) => deltas[i][labels[i]]));
      const keep = scores.map((s, i) => i).filter((i) => scores[i] >= 0.5);
      const kept = d.nms(keep.map((i) => moved[i]), keep.map((i) => scores[i]), keep.map((i) => labels[i]), 0.3)
        .map((k) => keep[k]);
      return {{ boxes, moved, warped: Array.from(d.warp(rgba, 64, 64, boxes, doc.warp, doc.context)), kept }};
    }});
    console.log(JSON.stringify(out));"""
    for golden, js in zip(card["golden"], node(script, payload)):
        image = det.scene_of(golden["input"])
        boxes = prop.proposals(image)
        assert js["boxes"] == boxes.tolist() == golden["output"]["proposals"]
        assert_allclose(np.reshape(js["warped"], (-1, 3, doc["warp"], doc["warp"])), prop.warp(image, boxes),
                        atol=1e-6)
        assert js["kept"] == golden["output"]["index"]
        deltas = np.asarray(golden["output"]["deltas"])
        labels = np.asarray(golden["output"]["probs"])[:, :-1].argmax(1)
        assert_allclose(np.reshape(js["moved"], (-1, 4)), prop.regress(boxes, deltas[np.arange(len(boxes)), labels]),
                        atol=1e-9)


def rgba(image: np.ndarray) -> list:
    return np.concatenate([image, np.full((*image.shape[:2], 1), 255, np.uint8)], 2).reshape(-1).tolist()


def test_javascript_selective_search_gives_pythons_boxes_on_fixed_scenes():
    """The page's proposals are Python's, box for box and in the same order, on standard and harder scenes
    (the golden scenes above are standard ones only), and at every step: edges, segmentation, grouping."""
    scenes = [det.make_scene(s)[0] for s in (3, 4)] + [det.make_hard_scene(s)[0] for s in range(6)]
    script = f"""
    const doc = {json.dumps(search.DOC)};
    console.log(JSON.stringify(DATA.map((rgba) => {{
      const edges = ss.graph(rgba, 64, 64);
      const labels = ss.felzenszwalb(edges, 64, 64, doc.scales[1], doc.min_size);
      return {{ boxes: ss.selectiveSearch(rgba, 64, 64, doc), weights: edges.weight.slice(0, 50), b: edges.b.slice(-50),
               labels: Array.from(labels), grouped: ss.grouping(rgba, labels, 64, 64, doc.bins) }};
    }})));"""
    for image, js in zip(scenes, node(script, [rgba(im) for im in scenes])):
        a, b, weight = search.graph(image)
        labels = search.felzenszwalb(image, search.SCALES[1])
        assert js["weights"] == weight[:50].tolist() and js["b"] == b[-50:].tolist()
        assert js["labels"] == labels.reshape(-1).tolist()
        assert [tuple(x) for x in js["grouped"]] == search.grouping(image, labels)
        assert js["boxes"] == prop.proposals(image).tolist() and len(js["boxes"]) > 10


def test_javascript_felzenszwalb_hand_cases():
    """The strict merge test and the min-size pass, through the JavaScript twin (see the Python hand cases)."""
    script = """
    console.log(JSON.stringify(DATA.map(([rgba, scale, minSize]) =>
      Array.from(ss.felzenszwalb(ss.graph(rgba, 2, 1), 2, 1, scale, minSize)))));"""
    image = rgba(two_pixels(40))
    out = node(script, [[image, 20, 1], [image, 20.5, 1], [image, 1, 2]])
    assert out == [[0, 1], [0, 0], [0, 0]]


def test_javascript_makes_the_same_harder_scene_from_the_same_draws():
    """makeHardScene (the page's "harder" new scene) is make_hard_scene's algorithm: given the draws numpy's
    generator made for seed k, in the same order, it paints the same pixels and boxes. (The browser draws
    from Math.random instead: numpy's PCG64 stream is not ported, so seed k itself is Python's only.)"""
    seeds = range(12)
    recorded = []
    for seed in seeds:
        rng = RecordedDraws(np.random.default_rng([seed, 2]))
        image, boxes, labels = det.hard_scene(rng)
        assert (image == det.make_hard_scene(seed)[0]).all()
        recorded.append({"draws": rng.draws, "image": image, "boxes": boxes.tolist(), "labels": labels.tolist()})
    script = REPLAY_JS + f"""
    const spec = {json.dumps(det.SCENE_DOC)}, hard = {json.dumps(det.HARD_DOC)};
    console.log(JSON.stringify(DATA.map((draws) => {{
      const rng = replay(draws);
      const scene = sc.makeHardScene(spec, hard, rng);
      return {{ rgba: Array.from(scene.rgba), boxes: scene.boxes, labels: scene.labels, used: rng.used(), total: draws.length }};
    }})));"""
    out = node(script, [r["draws"] for r in recorded])
    patterns = set()
    for r, js in zip(recorded, out):
        assert js["used"] == js["total"]                                  # every draw, none left over
        assert (np.reshape(js["rgba"], (64, 64, 4))[..., :3] == r["image"]).all()
        assert js["boxes"] == r["boxes"] and js["labels"] == r["labels"]
        patterns.add(len(r["draws"]))
    assert len(patterns) > 5                                              # scenes of different make-up


def test_the_pages_metrics_table_is_generated_from_the_sidecars():
    from demos.common.paths import MODELS_DIR

    assert det.METRICS_TABLE.read_text() == det.metrics_table(MODELS_DIR)
    for name in ("yolo", "rcnn"):                   # both on standard scenes (yolo's bar is on the harder ones)
        metrics = sc.read(name)["metrics"]
        standard = metrics.get("onnxruntime_standard_map50", metrics["onnxruntime_map50"])
        assert f"| {standard:.3f} |" in det.METRICS_TABLE.read_text()
