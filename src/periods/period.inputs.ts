import { IsOptional, Matches, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { LocalDateScalar } from '../shared/scalars';
import { EntityId, MaxCodePoints, NameLength, PERIOD_CODE, PeriodCode } from '../shared/validators';

@InputType({ description: 'A new reporting period: a code and the days it covers.' })
export class CreateReportingPeriodInput {
  @Field(() => String, { description: 'Short code, e.g. "2024-H1".' })
  @Matches(PERIOD_CODE, { message: 'code must be 1 to 20 letters, digits or dashes, e.g. 2024-H1' })
  code!: string;

  @Field(() => String, { description: 'A readable name, e.g. "6 tháng đầu năm 2023".' })
  @NameLength(1, 200)
  label!: string;

  @Field(() => LocalDateScalar, { description: 'The first day of the period.' })
  startsOn!: string;

  @Field(() => LocalDateScalar, { description: 'The last day of the period.' })
  endsOn!: string;
}

@InputType({ description: 'The figures an organisation reported for a period. Recording again replaces them: send the version you read.' })
export class RecordPeriodReportInput {
  @Field(() => ID, { description: 'The organisation that reported.' })
  @EntityId('organisation')
  organisationId!: string;

  @Field(() => String, { description: 'Period code, e.g. "2023-H1".' })
  @PeriodCode()
  period!: string;

  @Field(() => Int, { description: 'Models reported in total.' })
  @Min(0, { message: 'total must not be negative' })
  @Max(10_000_000, { message: 'total is implausibly large' })
  total!: number;

  @Field(() => Int, { nullable: true, description: 'Models reported in ECONOMY; omit when the report gives no figure.' })
  @IsOptional()
  @Min(0, { message: 'economy must not be negative' })
  @Max(10_000_000)
  economy?: number | null;

  @Field(() => Int, { nullable: true, description: 'Models reported in CULTURE_SOCIETY; omit when the report gives no figure.' })
  @IsOptional()
  @Min(0, { message: 'cultureSociety must not be negative' })
  @Max(10_000_000)
  cultureSociety?: number | null;

  @Field(() => Int, { nullable: true, description: 'Models reported in SECURITY_DEFENCE; omit when the report gives no figure.' })
  @IsOptional()
  @Min(0, { message: 'securityDefence must not be negative' })
  @Max(10_000_000)
  securityDefence?: number | null;

  @Field(() => Int, { nullable: true, description: 'Models reported in POLITICAL_SYSTEM; omit when the report gives no figure.' })
  @IsOptional()
  @Min(0, { message: 'politicalSystem must not be negative' })
  @Max(10_000_000)
  politicalSystem?: number | null;

  @Field(() => Int, { nullable: true, description: 'Models reported as newly replicated in the period; omit when the report gives no figure.' })
  @IsOptional()
  @Min(0, { message: 'newlyReplicated must not be negative' })
  @Max(10_000_000)
  newlyReplicated?: number | null;

  @Field(() => String, { nullable: true, description: 'A note on the report, e.g. its source.' })
  @IsOptional()
  @MaxCodePoints(5000)
  note?: string | null;

  @Field(() => Int, { nullable: true, description: 'Required to replace an existing report: the version you read.' })
  version?: number | null;
}
