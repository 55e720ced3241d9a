export { applyColormap, colorLimits, sampleColormap, VIRIDIS, COLORMAP_NAMES, COLORMAP_DEFAULTS } from './colormap.js';
export type { ColormapName, ColormapOptions, Rgb } from './colormap.js';
export { createImage, rgbaImage, upscale, resizeNearest, blit, encodePng, decodePng, pngDataUri } from './raster.js';
export type { RgbaImage } from './raster.js';
export { escapeXml, svgToPng, setSvgRasterizer, formatNumber } from './svg.js';
export type { SvgRasterizer } from './svg.js';
export { panelFigureSvg, panelFigurePng, PANEL_FIGURE_DEFAULTS } from './layout.js';
export type { Panel, PanelFigureOptions, PanelFigure, PanelBox } from './layout.js';
export {
  heatmapImage,
  heatmapPng,
  HEATMAP_DEFAULTS,
  imageGridImage,
  imageGridPng,
  IMAGE_GRID_DEFAULTS,
  overlayImage,
  overlayPng,
  OVERLAY_DEFAULTS,
  hotPixelsImage,
  hotPixelsPng,
  HOT_PIXELS_DEFAULTS,
  hotPixelMask,
  saliencyPanelPng,
  saliencyPanels,
} from './images.js';
export type { HeatmapOptions, ImageGridOptions, OverlayOptions, HotPixelsOptions } from './images.js';
export {
  vegaLiteToSvg,
  lineChartSvg,
  groupedChartSvg,
  histogramSvg,
  scatterSvg,
  chartPng,
  histogram,
  meanAndError,
  LINE_CHART_DEFAULTS,
  GROUPED_CHART_DEFAULTS,
  HISTOGRAM_DEFAULTS,
  SCATTER_DEFAULTS,
} from './charts.js';
export type {
  ChartOptions,
  LineSeries,
  LineChartOptions,
  GroupedValue,
  GroupedChartOptions,
  HistogramSeries,
  HistogramOptions,
  ScatterSeries,
  ScatterOptions,
  Spec,
} from './charts.js';
export { modelSchemaSvg, modelSchemaPng, MODEL_SCHEMA_DEFAULTS, formatAmplitude } from './schema.js';
export type { ModelSchemaOptions } from './schema.js';
export { buildReport } from './report.js';
export type { ReportSection, ReportBlock, ReportFigure, ReportParagraph, ReportList, ReportTable, ReportOptions } from './report.js';
export {
  saliencyFigure,
  modelSchemaFigure,
  trainingCurvesFigure,
  shifterCurvesFigure,
  testCorrelationFigure,
  exampleGridFigure,
  grfPanelFigure,
  grfOverlayFigure,
  strongestWeakestFigure,
  grfDistributionFigure,
  eigenSpectrumFigure,
  explainedVarianceFigure,
  cumulativeExplainedVariance,
  projectionGridFigure,
  rfRecoveryFigure,
  rfShiftFigure,
  permutationTestFigure,
  verdictTable,
  grfSupportMask,
} from './figures.js';
export type {
  Figure,
  SaliencyExample,
  TrainingHistory,
  TestResult,
  GrfRow,
  OverlayItem,
  StrongWeak,
  NeuronSpectrum,
  ProjectionRow,
  RfRecovery,
  RfShiftFigureOptions,
  Verdict,
} from './figures.js';
export { kernelDensity, scottBandwidth, densityChartSvg } from './density.js';
export type { DensityChartOptions } from './density.js';
export { meiFigure, MEI_FIGURE_DEFAULTS } from './mei-figure.js';
export type { MeiFigureRow, MeiFigureOptions } from './mei-figure.js';
