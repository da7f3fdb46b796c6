import { LocalDateResolver } from 'graphql-scalars';

/** A calendar date without time, `YYYY-MM-DD`. */
export const LocalDateScalar = LocalDateResolver;
