// As a Node program using PNG figures does: importing @sal/viz/node registers the sharp rasterizer.
import '../src/node.js';
