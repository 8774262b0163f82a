// ml-regression ships no type declarations; this declares the part used here
// (the class comes from ml-regression-simple-linear, which is typed, re-exported unchanged).
declare module 'ml-regression' {
  /** Ordinary least squares line y = slope · x + intercept. */
  export class SimpleLinearRegression {
    constructor(x: ArrayLike<number>, y: ArrayLike<number>);
    slope: number;
    intercept: number;
    predict(x: number): number;
  }

  /** Least squares polynomial with the given powers; powers [1] is a line through the origin. */
  export class PolynomialRegression {
    constructor(x: ArrayLike<number>, y: ArrayLike<number>, degree: number | number[]);
    coefficients: number[];
    powers: number[];
    predict(x: number): number;
  }
}
