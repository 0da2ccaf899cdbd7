export { createCostCalculator } from './cost-calculator.js';
export type { CostCalculator, CostCalculatorOptions } from './cost-calculator.js';
export { preloadPriceTable } from './bundled-price-table.js';
