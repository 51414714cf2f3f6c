/**
 * The weight files Keras publishes for keras.applications, as its get_file calls name them: the
 * release folder, the name Keras caches each file by, and the checksum Keras passes (md5 when 32
 * hex digits, sha256 when 64). Where Keras passes none, the entry has none: the download is then
 * saved with its hashes printed, marked unverified, rather than checked against an invented value.
 */
/**
 * Keras's published files, as keras.applications downloads them: the base URL, the cache name and
 * the checksum Keras passes to get_file (md5 when 32 hex digits, sha256 when 64), or none where
 * Keras publishes none (then the download is saved with its hashes printed, unverified, saying so).
 */
export interface WeightsFile {
  name: string;
  hash?: string;
}
export interface WeightsModel {
  base: string;
  top: WeightsFile;
  notop: WeightsFile;
}

export const GCS = 'https://storage.googleapis.com/tensorflow/keras-applications/';
const resnet = (n: string, top: string, notop: string): WeightsModel => ({
  base: `${GCS}resnet/`,
  top: { name: `${n}_weights_tf_dim_ordering_tf_kernels.h5`, hash: top },
  notop: { name: `${n}_weights_tf_dim_ordering_tf_kernels_notop.h5`, hash: notop },
});

const densenet = (n: string, top: string, notop: string): WeightsModel => ({
  base: `${GCS}densenet/`,
  top: { name: `${n}_weights_tf_dim_ordering_tf_kernels.h5`, hash: top },
  notop: { name: `${n}_weights_tf_dim_ordering_tf_kernels_notop.h5`, hash: notop },
});

/** efficientnet.py: a different bucket (keras-applications/, not tensorflow/keras-applications/), md5 hashes per variant. */
const EFFICIENTNET_HASHES: [string, string, string][] = [
  ['b0', '902e53a9f72be733fc0bcb005b3ebbac', '50bc09e76180e00e4465e1a485ddc09d'],
  ['b1', '1d254153d4ab51201f1646940f018540', '74c4e6b3e1f6a1eea24c589628592432'],
  ['b2', 'b15cce36ff4dcbd00b6dd88e7857a6ad', '111f8e2ac8aa800a7a99e3239f7bfb39'],
  ['b3', 'ffd1fdc53d0ce67064dc6a9c7960ede0', 'af6d107764bb5b1abb91932881670226'],
  ['b4', '18c95ad55216b8f92d7e70b3a046e2fc', 'ebc24e6d6c33eaebbd558eafbeedf1ba'],
  ['b5', 'ace28f2a6363774853a83a0b21b9421a', '38879255a25d3c92d5e44e04ae6cec6f'],
  ['b6', '165f6e37dce68623721b423839de8be5', '9ecce42647a20130c1f39a5d4cb75743'],
  ['b7', '8c03f828fec3ef71311cd463b6759d99', 'cbcfe4450ddf6f3ad90b1b398090fe4a'],
];
const EFFICIENTNETS: Record<string, WeightsModel> = Object.fromEntries(
  EFFICIENTNET_HASHES.map(([v, top, notop]) => [
    `efficientnet${v}`,
    { base: 'https://storage.googleapis.com/keras-applications/', top: { name: `efficientnet${v}.h5`, hash: top }, notop: { name: `efficientnet${v}_notop.h5`, hash: notop } },
  ]),
);

/** convnext.py: sha256 checksums (64 hex digits), Keras's file names convnext_<variant>[_notop].h5. */
const CONVNEXT_HASHES: [string, string, string][] = [
  ['tiny', '8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff', 'd547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1'],
  ['small', 'ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c', '6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab'],
  ['base', '52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6', '40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45'],
  ['large', '070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6', '96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd'],
  ['xlarge', 'c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee', 'de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05'],
];
const CONVNEXTS: Record<string, WeightsModel> = Object.fromEntries(
  CONVNEXT_HASHES.map(([v, top, notop]) => [
    `convnext${v}`,
    { base: `${GCS}convnext/`, top: { name: `convnext_${v}.h5`, hash: top }, notop: { name: `convnext_${v}_notop.h5`, hash: notop } },
  ]),
);

/** efficientnet_v2.py: file names efficientnetv2-<v>[_notop].h5 (with the hyphen), md5 hashes. */
const EFFICIENTNETV2_HASHES: [string, string, string][] = [
  ['b0', '21ecbf6da12460d5c40bb2f29ceb2188', '893217f2bb855e2983157299931e43ff'],
  ['b1', '069f0534ff22adf035c89e2d9547a9dc', '0e80663031ca32d657f9caa404b6ec37'],
  ['b2', '424e49f28180edbde1e94797771950a7', '1dfe2e7a5d45b6632553a8961ea609eb'],
  ['b3', '1f1fc43bd98a6e4fd8fdfd551e02c7a0', 'f6abf7b5849ac99a89b50dd3fd532856'],
  ['s', 'e1d88a8495beba45748fedd0cecbe016', 'af0682fb74e8c54910f2d4393339c070'],
  ['m', 'a3bf6aa3276309f4fc6a34aa114c95cd', '1b8dc055df72dde80d614482840fe342'],
  ['l', '27e6d408b53c7ebc868fefa357689935', 'b0b66b5c863aef5b46e8608fe1711615'],
];
const EFFICIENTNETV2S: Record<string, WeightsModel> = Object.fromEntries(
  EFFICIENTNETV2_HASHES.map(([v, top, notop]) => [
    `efficientnetv2${v}`,
    { base: `${GCS}efficientnet_v2/`, top: { name: `efficientnetv2-${v}.h5`, hash: top }, notop: { name: `efficientnetv2-${v}_notop.h5`, hash: notop } },
  ]),
);

/** keras/applications/*.py of tf.keras 2.13 (WEIGHTS_HASHES and file_hash): each family's release folder, cache names, checksums. */
export const WEIGHTS_MODELS: Readonly<Record<string, WeightsModel>> = {
  vgg19: {
    base: `${GCS}vgg19/`,
    top: { name: 'vgg19_weights_tf_dim_ordering_tf_kernels.h5', hash: 'cbe5617147190e668d6c5d5026f83318' },
    notop: { name: 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5', hash: '253f8cb515780f3b799900260a226db6' },
  },
  resnet50: resnet('resnet50', '2cb95161c43110f7111970584f804107', '4d473c1dd8becc155b73f8504c6f6626'),
  resnet101: resnet('resnet101', 'f1aeb4b969a6efcfb50fad2f0c20cfc5', '88cf7a10940856eca736dc7b7e228a21'),
  resnet152: resnet('resnet152', '100835be76be38e30d865e96f2aaae62', 'ee4c566cf9a93f14d82f913c2dc6dd0c'),
  resnet50v2: resnet('resnet50v2', '3ef43a0b657b3be2300d5770ece849e0', 'fac2f116257151a9d068a22e544a4917'),
  resnet101v2: resnet('resnet101v2', '6343647c601c52e1368623803854d971', 'c0ed64b8031c3730f411d2eb4eea35b5'),
  resnet152v2: resnet('resnet152v2', 'a49b44d1979771252814e80f8ec446f9', 'ed17cf2e0169df9d443503ef94b23b33'),
  // mobilenet_v2.py calls get_file without a file_hash: Keras publishes no checksum for these.
  mobilenetv2: {
    base: `${GCS}mobilenet_v2/`,
    top: { name: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5' },
    notop: { name: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5' },
  },
  vgg16: {
    base: `${GCS}vgg16/`,
    top: { name: 'vgg16_weights_tf_dim_ordering_tf_kernels.h5', hash: '64373286793e3c8b2b4e3219cbf3544b' },
    notop: { name: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5', hash: '6d6bbae143d832006294945121d1f1fc' },
  },
  // mobilenet.py calls get_file without a file_hash: no published checksum (alpha 1.0, 224×224).
  mobilenet: {
    base: `${GCS}mobilenet/`,
    top: { name: 'mobilenet_1_0_224_tf.h5' },
    notop: { name: 'mobilenet_1_0_224_tf_no_top.h5' },
  },
  // mobilenet_v3.py: the notop files are the "_no_top_v2" ones since Keras moved the pooling before Conv_2.
  mobilenetv3small: {
    base: `${GCS}mobilenet_v3/`,
    top: { name: 'weights_mobilenet_v3_small_224_1.0_float.h5', hash: '8768d4c2e7dee89b9d02b2d03d65d862' },
    notop: { name: 'weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5', hash: 'd3e8ec802a04aa4fc771ee12a9a9b836' },
  },
  mobilenetv3large: {
    base: `${GCS}mobilenet_v3/`,
    top: { name: 'weights_mobilenet_v3_large_224_1.0_float.h5', hash: '59e551e166be033d707958cf9e29a6a7' },
    notop: { name: 'weights_mobilenet_v3_large_224_1.0_float_no_top_v2.h5', hash: '07fb09a5933dd0c8eaafa16978110389' },
  },
  // densenet.py: one get_file per block count ([6, 12, 24, 16], [6, 12, 32, 32], [6, 12, 48, 32]), md5 hashes.
  densenet121: densenet('densenet121', '9d60b8095a5708f2dcce2bca79d332c7', '30ee3e1110167f948a6b9946edeeb738'),
  densenet169: densenet('densenet169', 'd699b8f76981ab1b30698df4c175e90b', 'b8c4d4c20dd625c148057b9ff1c1176b'),
  densenet201: densenet('densenet201', '1ceb130c1ea1b78c3bf6114dbdfd8807', 'c13680b51ded0fb44dff2d8f86ac8bb1'),
  xception: {
    base: `${GCS}xception/`,
    top: { name: 'xception_weights_tf_dim_ordering_tf_kernels.h5', hash: '0a58e3b7378bc2990ea3b43d5981f1f6' },
    notop: { name: 'xception_weights_tf_dim_ordering_tf_kernels_notop.h5', hash: 'b0042744bf5b25fce3cb969f33bebb97' },
  },
  inceptionv3: {
    base: `${GCS}inception_v3/`,
    top: { name: 'inception_v3_weights_tf_dim_ordering_tf_kernels.h5', hash: '9a0d58056eeedaa3f26cb7ebd46da564' },
    notop: { name: 'inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5', hash: 'bcbd6486424b2319ff4ef7d526e38f63' },
  },
  inceptionresnetv2: {
    base: `${GCS}inception_resnet_v2/`,
    top: { name: 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5', hash: 'e693bd0210a403b3192acc6073ad2e96' },
    notop: { name: 'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5', hash: 'd19885ff4a710c122648d3b5c3b684e4' },
  },
  ...EFFICIENTNETS,
  ...CONVNEXTS,
  ...EFFICIENTNETV2S,
};
