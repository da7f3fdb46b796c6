/** A name must hold something visible: not only spaces, tabs or zero-width characters. */
export const NOT_BLANK = /[^\s\u200b-\u200d\u2060\ufeff]/u;

/** Reporting period codes such as `2023-H1`. */
export const PERIOD_CODE = /^[A-Za-z0-9-]{1,20}$/;
