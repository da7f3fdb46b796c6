import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { getNamedType, isInputObjectType } from 'graphql';
import { getMetadataArgsStorage } from 'typeorm';
import * as changeTypes from '../../src/events/change.types';
import { CommunityModel } from '../../src/models/model.entity';
import * as modelInputs from '../../src/models/model.inputs';
import { Organisation } from '../../src/organisations/organisation.entity';
import * as organisationInputs from '../../src/organisations/organisation.inputs';
import { PeriodReport } from '../../src/periods/period-report.entity';
import * as periodInputs from '../../src/periods/period.inputs';
import { ReportingPeriod } from '../../src/periods/reporting-period.entity';
import { ReplicationLink } from '../../src/replications/replication-link.entity';
import * as replicationInputs from '../../src/replications/replication.inputs';
import { buildApiSchema } from '../../src/app/schema';
import { codePointCount, textProblem } from '../../src/shared/validators';

/**
 * Every string an input can hold is bounded, and every bound is the column's: a string a client
 * sends into a `varchar(n)` column is checked for at most n code points, as PostgreSQL counts.
 */

const INPUT_CLASSES = new Map<string, Function>(
  [modelInputs, organisationInputs, periodInputs, replicationInputs, changeTypes].flatMap((module) =>
    Object.values(module)
      .filter((v): v is Function => typeof v === 'function')
      .map((c) => [c.name, c] as [string, Function]),
  ),
);

/** Which tables each mutation input writes into (a field is checked against the column of the same property). */
const WRITES: Record<string, Function[]> = {
  CreateOrganisationInput: [Organisation],
  UpdateOrganisationInput: [Organisation],
  CreateModelInput: [CommunityModel],
  UpdateModelInput: [CommunityModel],
  ReplicateModelInput: [CommunityModel, ReplicationLink],
  LinkModelsInput: [ReplicationLink],
  RecordPeriodReportInput: [PeriodReport],
  CreateReportingPeriodInput: [ReportingPeriod],
};

const TEXT_RULES = new Set(['textLength', 'nameLength']);

function rulesOf(target: Function, property: string) {
  return getMetadataStorage()
    .getTargetValidationMetadatas(target, '', true, false)
    .filter((m) => m.propertyName === property);
}

/** The largest number of code points the validators let through, or null when unbounded. */
function maxOf(target: Function, property: string): number | null {
  const maxima = rulesOf(target, property).flatMap((m) => {
    if (m.name && TEXT_RULES.has(m.name)) return [m.constraints[1] as number];
    // Pattern checks such as PERIOD_CODE (^[A-Za-z0-9-]{1,20}$) bound the length by their quantifier.
    const bounded = m.name === 'matches' && /^\^\[[^\]]+\]\{\d+,(\d+)\}\$$/.exec((m.constraints[0] as RegExp).source);
    return bounded ? [Number(bounded[1])] : [];
  });
  return maxima.length ? Math.min(...maxima) : null;
}

describe('input text checks', () => {
  it('bound every String field of every input type', async () => {
    const schema = await buildApiSchema();
    const unbounded: string[] = [];
    let checked = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isInputObjectType(type)) continue;
      const target = INPUT_CLASSES.get(type.name);
      expect([type.name, target !== undefined]).toEqual([type.name, true]);
      for (const field of Object.values(type.getFields())) {
        if (getNamedType(field.type).name !== 'String') continue;
        checked += 1;
        if (maxOf(target!, field.name) === null) unbounded.push(`${type.name}.${field.name}`);
      }
    }
    expect(checked).toBeGreaterThan(10);
    expect(unbounded).toEqual([]);
  });

  it('allow no more code points than each column they write holds (varchar(n) counts code points)', () => {
    const columns = getMetadataArgsStorage().columns;
    const mismatches: string[] = [];
    let compared = 0;
    for (const [input, entities] of Object.entries(WRITES)) {
      const target = INPUT_CLASSES.get(input)!;
      const properties = new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(target, '', true, false)
          .map((m) => m.propertyName),
      );
      for (const entity of entities) {
        for (const column of columns.filter((c) => c.target === entity && properties.has(c.propertyName))) {
          const length = column.options.type === 'varchar' ? Number(column.options.length) : null;
          if (length === null) continue;
          compared += 1;
          const max = maxOf(target, column.propertyName);
          if (max === null || max > length) mismatches.push(`${input}.${column.propertyName}: at most ${max} code points into varchar(${length})`);
        }
      }
    }
    // organisation name and short name (create, update), model name (create, update, replicate), period code and label.
    expect(compared).toBeGreaterThanOrEqual(9);
    expect(mismatches).toEqual([]);
  });

  it('count code points the way PostgreSQL counts characters', () => {
    expect(codePointCount('a\uFE0F'.repeat(300))).toBe(600);
    expect(codePointCount('😀👍🏽e\u0301')).toBe(5);
    expect(codePointCount('\uD800x')).toBe(2);
    expect(textProblem('a\uFE0F'.repeat(150), { min: 1, max: 300 })).toBeNull();
    expect(textProblem('a\uFE0F'.repeat(151), { min: 1, max: 300 })).toMatch(/1 to 300 characters long/);
    expect(textProblem('😀'.repeat(300), { min: 1, max: 300 })).toBeNull();
    expect(textProblem('😀'.repeat(301), { min: 1, max: 300 })).toMatch(/characters long/);
    expect(textProblem('ab\uDC00', { min: 0, max: 300 })).toMatch(/surrogate/);
    expect(textProblem('a\u0000', { min: 0, max: 300 })).toMatch(/NUL/);
    expect(textProblem(' \u200b\t', { min: 1, max: 300, notBlank: true })).toMatch(/blank/);
    expect(textProblem('', { min: 0, max: 300 })).toBeNull();
  });
});
