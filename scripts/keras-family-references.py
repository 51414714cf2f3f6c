#!/usr/bin/python3
"""Float64 PyTorch references for the keras.applications test models (scripts/keras-applications.ts).

Reads each Keras 2 full-model .h5 with h5py (model_config and model_weights), builds the model
from its config with its own interpreter of the Keras layers (nothing shared with stieltjes: its
own 'same' padding arithmetic, BatchNormalization unfolded, NCHW torch ops; Keras 2's TFOpLambda
node layout, CustomScaleLayer, nested Sequentials and their <inner layer>/<weight> names,
LayerNormalization, LayerScale, exact gelu, Dense on maps, grouped convolutions), and writes, per
model, test/fixtures/keras-families/<key>.json (probabilities, the Grad-CAM map at the family's
layer) and <key>-ig.npy (IG, float64 [H, W, C] in the model's input space):

  pixels      the integer test image of scripts/keras-applications.ts familyPixels()
  input       the family's Keras preprocessing of the pixels (caffe: RGB→BGR minus the ImageNet
              means; tf: x/127.5 − 1; torch: x/255 minus the ImageNet mean, over its std;
              none: the model's own Rescaling/Normalization layers do it: EfficientNet(V2),
              MobileNetV3, ConvNeXt)
  Grad-CAM    w_k = mean_ij ∂p_c/∂A_k(i,j), L = relu(Σ_k w_k A_k), c the top class
  IG          right Riemann sum with m = 4 steps from the black image (preprocessed zeros):
              (x − x') ⊙ (1/m) Σ_{l=1..m} ∇p_c(x' + (l/m)(x − x'))
  kinkMargin  the nearest any ReLU input or max pooling's runner-up comes to its kink at those
              points, relative to its layer's largest input; a family below KINK_THRESHOLD is
              refused (nothing written, exit status 1): re-seed it

Run once by hand (Debian: apt-get install python3-torch python3-h5py python3-numpy):
  npx tsx scripts/keras-applications.ts /tmp/families [KEY ...]
  /usr/bin/python3 scripts/keras-family-references.py /tmp/families test/fixtures/keras-families [KEY ...]
The project never runs Python at run time or in its tests: the outputs are committed.
"""
import json
import math
import os
import sys

import h5py
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

FAMILIES = {
    # key: (preprocessing rule, Grad-CAM layer)
    'resnet50': ('caffe', 'conv5_block3_out'),
    'mobilenetv2': ('tf', 'out_relu'),
    'resnet50v2': ('tf', 'post_relu'),
    'densenet121': ('torch', 'relu'),
    'efficientnetb0': ('none', 'top_activation'),
    'xception': ('tf', 'block14_sepconv2_act'),
    'inceptionv3': ('tf', 'mixed10'),
    'vgg16': ('caffe', 'block5_conv3'),
    'mobilenet': ('tf', 'conv_pw_13_relu'),
    'efficientnetb3': ('none', 'top_activation'),
    # The hard-swish after Conv_1/BatchNorm: an automatically named Multiply (its name in the json).
    'mobilenetv3small': ('none', None),
    'mobilenetv3large': ('none', None),
    'inceptionresnetv2': ('tf', 'conv_7b_ac'),
    # The last residual sum (stage 3's last block), which the head's pooling reads.
    'convnexttiny': ('none', None),
    'efficientnetv2b0': ('none', 'top_activation'),
    'efficientnetv2s': ('none', 'top_activation'),
}
IG_STEPS = 4

# Kink margins. A gradient evaluated on a piecewise-linear function is only reproducible if no
# input of a kink lies within the evaluating backend's rounding noise of it: a float32 backend
# (stieltjes's CPU float32, WebGPU) then takes the other branch and its gradient differs from this
# float64 one by far more than the tests' tolerance (MobileNetV3Large's first seed put a ReLU input
# at 4.5e-8 of a layer whose largest input is 4.8: 9e-9 relative, and its WebGPU IG was 4.2e-4 off).
# While MARGIN is a dict, every ReLU (at 0, and at max_value: ReLU6 and MobileNetV3's hard-sigmoid
# ReLU(6)(x + 3)) and every max pooling (the gap between a window's largest and second largest)
# records its smallest distance relative to the largest |input| of that layer; the script refuses
# a family whose smallest, over the Grad-CAM input and every IG point, is below KINK_THRESHOLD.
#
# KINK_THRESHOLD is float32's epsilon (2^-23 ≈ 1.2e-7), rounded down: an input closer to a kink
# than one float32 ulp of its layer's largest input is inside the rounding of a single operation
# on that layer's values, a coin toss for any float32 backend. It is a floor, not a guarantee:
# torch's float32 run of these models deviates from float64 at kink inputs by up to 6e-7..7e-6
# (per family) of the layer's largest input, in the deepest layers. A floor above that accumulated noise (1e-5) cannot be met:
# each family has 10^5..10^6 kink inputs over its five points, and the smallest of that many
# roughly uniform draws near a kink is 1e-7..1e-6 of the scale whatever the seed (measured: the
# fifteen families' margins were 9e-9..8e-7).
KINK_THRESHOLD = 1e-7
MARGIN = None


def _record(value, layer, kink):
    if MARGIN is not None and (MARGIN.get('value') is None or value < MARGIN['value']):
        MARGIN.update(value=value, layer=layer, kink=kink)


def note_kinks(layer, x, what, kinks):
    if MARGIN is None:
        return
    with torch.no_grad():
        scale = float(x.abs().max())
        if scale == 0:
            return
        for k in kinks:
            _record(float((x - k).abs().min()) / scale, layer, f'{what} at {k:g}')


def note_pool_ties(layer, x, k, s):
    """x: the padded NCHW input (−inf padding). Exact ties (equal in float64) are left out: they
    are the same arithmetic on the same numbers (ReLU's zeros; positions whose whole receptive
    field is ReLU's zeros, which hold the bias alone), which any backend reproduces exactly; a
    near tie is a kink like ReLU's."""
    if MARGIN is None or k == 1:
        return
    with torch.no_grad():
        n, c = x.shape[:2]
        windows = F.unfold(x.reshape(n * c, 1, *x.shape[2:]), k, stride=s)  # [N·C, k·k, positions]
        top = windows.topk(2, dim=1).values
        gap = top[:, 0] - top[:, 1]
        gap = gap[(gap > 0) & torch.isfinite(gap)]
        finite = x[torch.isfinite(x)]
        scale = float(finite.abs().max()) if finite.numel() else 0.0
        if gap.numel() and scale > 0:
            _record(float(gap.min()) / scale, layer, 'max-pooling tie')


def pixels(size):
    p = np.zeros((size, size, 3))
    for y in range(size):
        for x in range(size):
            for c in range(3):
                p[y, x, c] = (y * 31 + x * 17 + c * 89 + ((y * x) % 13) * 7) % 256
    return p


def preprocess(rule, p):
    if rule == 'caffe':
        return p[..., ::-1] - np.array([103.939, 116.779, 123.68])
    if rule == 'tf':
        return p / 127.5 - 1.0
    if rule == 'none':
        return p.copy()
    if rule == 'torch':
        return (p / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    raise ValueError(rule)


def as_str(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def load(path):
    f = h5py.File(path, 'r')
    config = json.loads(as_str(f.attrs['model_config']))
    mw = f['model_weights']
    weights = {}
    for name in mw.attrs['layer_names']:
        name = as_str(name)
        g = mw[name]
        # Keyed by Keras's weight name too: a nested model's group holds <inner layer>/<weight>.
        weights[name] = [(as_str(w), np.array(g[as_str(w)], dtype=np.float64)) for w in g.attrs.get('weight_names', [])]
    return config, weights


def same_pad(size, k, s):
    """TensorFlow's 'same': total padding max((ceil(n/s) − 1)·s + k − n, 0), the extra one after."""
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


class Model:
    def __init__(self, config, weights):
        c = config['config']
        self.layers = c['layers']
        self.weights = weights
        self.input = c['input_layers'][0][0]
        self.output = c['output_layers'][0][0]

    def run(self, x, capture=None):
        """x: [N, H, W, C] float64 tensor. Returns the output and the captured layer's value (NHWC)."""
        values = {self.input: x.permute(0, 3, 1, 2)}  # NCHW inside
        captured = None
        for e in self.layers:
            name = e['name']
            if e['class_name'] == 'InputLayer':
                continue
            node = e['inbound_nodes'][0]
            if e['class_name'] == 'TFOpLambda':
                # tf.keras 2: the node is the reference itself; y (a number, or a reference) in its kwargs.
                y = node[3].get('y')
                ins = [values[node[0]], values[y[0]] if isinstance(y, list) else y]
            else:
                ins = [values[ref[0]] for ref in node]
            values[name] = self.apply(e['class_name'], e['config'], name, ins)
            if name == capture:
                captured = values[name]
        out = values[self.output]
        return out, captured

    def apply(self, cls, cfg, name, ins):
        named = self.weights.get(name, [])
        w = [torch.from_numpy(a) for _, a in named]
        if cls == 'Sequential':
            # A nested Sequential (ConvNeXt's stem): its layers in order, each with its own weights.
            x = ins[0]
            for e in cfg['layers']:
                if e['class_name'] == 'InputLayer':
                    continue
                inner = e['config']['name']
                mine = [(n, a) for n, a in named if n.split('/')[-2] == inner]
                x = Model({'config': {'layers': [], 'input_layers': [['_', 0, 0]], 'output_layers': [['_', 0, 0]]}}, {inner: mine}).apply(e['class_name'], e['config'], inner, [x])
            return x
        x = ins[0]
        if cls == 'ZeroPadding2D':
            (t, b), (l, r) = cfg['padding']
            return F.pad(x, (l, r, t, b))
        if cls in ('Conv2D', 'DepthwiseConv2D'):
            kh, kw = cfg['kernel_size']
            s = cfg['strides'][0]
            if cls == 'Conv2D':
                kernel = w[0].permute(3, 2, 0, 1)  # HWIO → OIHW ([kh, kw, C/groups, O] → [O, C/groups, kh, kw])
                groups = cfg.get('groups', 1)
            else:
                kernel = w[0].permute(2, 3, 0, 1)  # [kh, kw, C, 1] → [C, 1, kh, kw]
                groups = x.shape[1]
            if cfg['padding'] == 'same':
                pt, pb = same_pad(x.shape[2], kh, s)
                pl, pr = same_pad(x.shape[3], kw, s)
                x = F.pad(x, (pl, pr, pt, pb))
            bias = w[1] if cfg.get('use_bias', True) else None
            y = F.conv2d(x, kernel, bias, stride=s, groups=groups)
            return activation(cfg.get('activation', 'linear'), y, name)
        if cls == 'BatchNormalization':
            if cfg.get('scale', True):
                gamma, beta, mean, var = w
            else:
                (beta, mean, var), gamma = w, torch.ones_like(w[0])
            sh = (1, -1, 1, 1)
            return (x - mean.view(sh)) / torch.sqrt(var.view(sh) + cfg['epsilon']) * gamma.view(sh) + beta.view(sh)
        if cls == 'Activation':
            return activation(cfg['activation'], x, name)
        if cls == 'ReLU':
            assert not cfg.get('negative_slope') and not cfg.get('threshold'), f'layer {name}: a leaky or thresholded ReLU'
            note_kinks(name, x, 'ReLU', [0.0] + ([cfg['max_value']] if cfg.get('max_value') is not None else []))
            y = torch.relu(x)
            return torch.clamp(y, max=cfg['max_value']) if cfg.get('max_value') is not None else y
        if cls == 'SeparableConv2D':
            k = cfg['kernel_size'][0]
            assert cfg['padding'] == 'same' and cfg['strides'][0] == 1
            pt, pb = same_pad(x.shape[2], k, 1)
            pl, pr = same_pad(x.shape[3], k, 1)
            y = F.conv2d(F.pad(x, (pl, pr, pt, pb)), w[0].permute(2, 3, 0, 1), None, groups=x.shape[1])
            y = F.conv2d(y, w[1].permute(3, 2, 0, 1))
            return activation(cfg.get('activation', 'linear'), y, name)
        if cls == 'MaxPooling2D':
            k, s = cfg['pool_size'][0], cfg['strides'][0]
            if cfg['padding'] == 'same':
                pt, pb = same_pad(x.shape[2], k, s)
                pl, pr = same_pad(x.shape[3], k, s)
                x = F.pad(x, (pl, pr, pt, pb), value=float('-inf'))
            note_pool_ties(name, x, k, s)
            return F.max_pool2d(x, k, s)
        if cls == 'Rescaling':
            # A scale or offset may be one number or one per channel (EfficientNet's rescaling_1).
            per_channel = lambda v: torch.tensor(v).view(1, -1, 1, 1) if isinstance(v, list) else v
            return x * per_channel(cfg['scale']) + per_channel(cfg['offset'])
        if cls == 'Normalization':
            if cfg.get('mean') is not None:
                # ConvNeXt's prestem: the statistics are in the config, the layer has no weights.
                mean, var = torch.tensor(cfg['mean']).view(1, -1, 1, 1), torch.tensor(cfg['variance']).view(1, -1, 1, 1)
            else:
                mean, var = w[0].view(1, -1, 1, 1), w[1].view(1, -1, 1, 1)
            return (x - mean) / torch.clamp(torch.sqrt(var), min=1e-7)
        if cls == 'Dropout':
            return x
        if cls in ('CustomScaleLayer', 'Custom>CustomScaleLayer'):
            # inception_resnet_v2.py: inputs[0] + inputs[1] * scale.
            return ins[0] + ins[1] * cfg['scale']
        if cls == 'TFOpLambda':
            ops = {
                '__operators__.add': lambda a, b: a + b,
                'math.add': lambda a, b: a + b,
                'math.subtract': lambda a, b: a - b,
                'math.multiply': lambda a, b: a * b,
                'math.truediv': lambda a, b: a / b,
            }
            return ops[cfg['function']](ins[0], ins[1])
        if cls == 'Reshape':
            nhwc = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
            y = nhwc.reshape(x.shape[0], *cfg['target_shape'])
            return y.permute(0, 3, 1, 2) if y.dim() == 4 else y
        if cls == 'Multiply':
            out = ins[0]
            for t in ins[1:]:
                out = out * t
            return out
        if cls == 'AveragePooling2D':
            k, s = cfg['pool_size'][0], cfg['strides'][0]
            if cfg['padding'] == 'same':
                # TensorFlow averages over the cells inside the image only.
                assert s == 1 and k % 2 == 1
                return F.avg_pool2d(x, k, s, padding=k // 2, count_include_pad=False)
            return F.avg_pool2d(x, k, s)
        if cls == 'Concatenate':
            assert cfg['axis'] in (3, -1)
            return torch.cat(ins, dim=1)
        if cls == 'Add':
            return sum(ins[1:], ins[0])
        if cls == 'GlobalAveragePooling2D':
            return x.mean(dim=(2, 3), keepdim=bool(cfg.get('keepdims', False)))
        if cls == 'Flatten':
            # Keras flattens NHWC: rows, then columns, then channels.
            return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        if cls == 'Dense':
            if x.dim() == 4:
                # Keras applies Dense to the last axis (channels): NCHW → NHWC and back.
                y = x.permute(0, 2, 3, 1) @ w[0] + w[1]
                return activation(cfg['activation'], y.permute(0, 3, 1, 2), name)
            return activation(cfg['activation'], x @ w[0] + w[1], name)
        if cls == 'LayerNormalization':
            # Over the channels (NCHW's axis 1, or a vector's last), biased variance.
            dim = 1 if x.dim() == 4 else -1
            mean = x.mean(dim=dim, keepdim=True)
            var = ((x - mean) ** 2).mean(dim=dim, keepdim=True)
            sh = (1, -1, 1, 1) if x.dim() == 4 else (1, -1)
            return (x - mean) / torch.sqrt(var + cfg['epsilon']) * w[0].view(sh) + w[1].view(sh)
        if cls == 'LayerScale':
            return x * (w[0].view(1, -1, 1, 1) if x.dim() == 4 else w[0])
        raise ValueError(f'layer {name}: {cls} is not in this reference interpreter')


def last_spatial_before_pool(config):
    """The layer the model's last GlobalAveragePooling2D reads (its last feature map)."""
    pools = [e for e in config['config']['layers'] if e['class_name'] == 'GlobalAveragePooling2D']
    return pools[-1]['inbound_nodes'][0][0][0]


def activation(a, x, name=None):
    if a == 'linear':
        return x
    if a == 'relu':
        note_kinks(name, x, 'relu', [0.0])
        return torch.relu(x)
    if a == 'sigmoid':
        return torch.sigmoid(x)
    if a == 'gelu':
        # Keras's default: exact, x·Φ(x).
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    if a in ('swish', 'silu'):
        return x * torch.sigmoid(x)
    if a == 'softmax':
        return torch.softmax(x, dim=-1)
    raise ValueError(a)


def main():
    src, out = sys.argv[1], sys.argv[2]
    only = sys.argv[3:]  # optional: only these keys
    os.makedirs(out, exist_ok=True)
    refused = []
    for key, (rule, cam_layer) in FAMILIES.items():
        if only and key not in only:
            continue
        config, weights = load(os.path.join(src, f'{key}.h5'))
        model = Model(config, weights)
        size = config['config']['layers'][0]['config']['batch_input_shape'][1]
        p = pixels(size)
        x = torch.from_numpy(np.ascontiguousarray(preprocess(rule, p)))[None]
        base = torch.from_numpy(np.ascontiguousarray(preprocess(rule, np.zeros_like(p))))[None]

        if cam_layer is None:
            cam_layer = last_spatial_before_pool(config)
        global MARGIN
        margins = []  # one per point where the network is evaluated with a gradient
        MARGIN = {'point': 'Grad-CAM input'}
        probs, act = model.run(x.clone().requires_grad_(True), capture=cam_layer)
        margins.append(MARGIN)
        probs = probs[0]
        target = int(torch.argmax(probs))
        (g,) = torch.autograd.grad(probs[target], act)
        wk = g.mean(dim=(2, 3))[0]  # [C]
        cam = torch.relu((wk.view(-1, 1, 1) * act[0]).sum(0))  # [h, w]

        total = torch.zeros_like(x)
        for l in range(1, IG_STEPS + 1):
            xi = (base + (l / IG_STEPS) * (x - base)).detach().requires_grad_(True)
            MARGIN = {'point': f'IG alpha = {l}/{IG_STEPS}'}
            y, _ = model.run(xi)
            margins.append(MARGIN)
            (gi,) = torch.autograd.grad(y[0, target], xi)
            total += gi
        ig = ((x - base) * total / IG_STEPS)[0]

        MARGIN = None
        y_base, _ = model.run(base)
        worst = min(margins, key=lambda m: m['value'] if m.get('value') is not None else math.inf)
        # value, layer, kink and point are null for a family without a ReLU or a max pooling.
        kink_margin = {'value': worst.get('value'), 'layer': worst.get('layer'), 'kink': worst.get('kink'), 'point': worst['point'] if 'value' in worst else None, 'threshold': KINK_THRESHOLD}
        if kink_margin['value'] is not None and kink_margin['value'] < KINK_THRESHOLD:
            refused.append(f"{key}: kink margin {kink_margin['value']:.3g} < {KINK_THRESHOLD:g} at {kink_margin['layer']} ({kink_margin['kink']}), {kink_margin['point']}: a float32 backend's gradient there is a coin toss; re-seed the family in scripts/keras-applications.ts")
            print(f'{key}: REFUSED, nothing written; ' + ', '.join(f"{m['point']}: {m['value']:.3g} ({m['layer']}, {m['kink']})" for m in margins), file=sys.stderr)
            continue
        result = {
            'model': config['config']['name'],
            'key': key,
            'preprocess': rule,
            'inputSize': size,
            'target': target,
            'probabilities': probs.detach().tolist(),
            'camLayer': cam_layer,
            'camShape': list(cam.shape),
            'cam': cam.detach().flatten().tolist(),
            'igSteps': IG_STEPS,
            'igRule': 'right',
            'igBaseline': 'black (preprocessed zero pixels)',
            'scoreBaseline': float(y_base[0, target]),
            'kinkMargin': kink_margin,
            'generatedBy': 'scripts/keras-family-references.py (torch %s, float64)' % torch.__version__,
        }
        with open(os.path.join(out, f'{key}.json'), 'w') as fh:
            json.dump(result, fh, indent=1)
        np.save(os.path.join(out, f'{key}-ig.npy'), ig.detach().numpy())
        print(f"{key}: top {target} p={float(probs[target]):.6f}, cam {list(cam.shape)}, IG sum {float(ig.sum()):.6g}, kink margin " + ('none (no ReLU or max pooling)' if kink_margin['value'] is None else f"{kink_margin['value']:.3g} ({kink_margin['layer']}, {kink_margin['kink']}, {kink_margin['point']})"))
    if refused:
        sys.exit('refused:\n' + '\n'.join(refused))


if __name__ == '__main__':
    main()
