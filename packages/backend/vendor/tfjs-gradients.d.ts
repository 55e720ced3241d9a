/** Side effect: registers every tfjs-core gradient. The tfjs-core version it was generated from. */
export declare const TFJS_CORE_VERSION: string;
