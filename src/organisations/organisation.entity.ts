import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation, UpdateDateColumn } from 'typeorm';
import { Node } from '../shared/node';

export enum OrganisationKind {
  CITY = 'CITY',
  WARD = 'WARD',
  COMMUNE = 'COMMUNE',
  PARTY_COMMITTEE = 'PARTY_COMMITTEE',
  PEOPLES_COMMITTEE = 'PEOPLES_COMMITTEE',
  FATHERLAND_FRONT = 'FATHERLAND_FRONT',
  MASS_ORGANISATION = 'MASS_ORGANISATION',
  ASSOCIATION = 'ASSOCIATION',
  POLICE = 'POLICE',
  MILITARY = 'MILITARY',
  TRADE_UNION = 'TRADE_UNION',
  OTHER = 'OTHER',
}
/** The kinds that are places: a model's locality is one of them. */
export const LOCALITY_KINDS: readonly OrganisationKind[] = [OrganisationKind.CITY, OrganisationKind.WARD, OrganisationKind.COMMUNE];

registerEnumType(OrganisationKind, {
  name: 'OrganisationKind',
  description: 'What sort of body an organisation is: an administrative level or a body within one.',
  valuesConfig: {
    CITY: { description: 'Thành phố: the city (a locality).' },
    WARD: { description: 'Phường: an urban ward (a locality).' },
    COMMUNE: { description: 'Xã: a rural commune (a locality).' },
    PARTY_COMMITTEE: { description: 'Đảng ủy / chi bộ: a party committee or cell.' },
    PEOPLES_COMMITTEE: { description: "Ủy ban nhân dân: a people's committee." },
    FATHERLAND_FRONT: { description: 'Mặt trận Tổ quốc: the Fatherland Front.' },
    MASS_ORGANISATION: { description: "Đoàn thể: a mass organisation (youth union, women's union, farmers' or veterans' association)." },
    ASSOCIATION: { description: 'Hội: another association.' },
    POLICE: { description: 'Công an: the police.' },
    MILITARY: { description: 'Quân sự: the military command.' },
    TRADE_UNION: { description: 'Công đoàn: a trade union.' },
    OTHER: { description: 'Any other body.' },
  },
});

/** An organisation in the tree: the city, its wards and communes, and the bodies within them. */
@ObjectType('Organisation', {
  implements: Node,
  description: 'A city, ward, commune or a body within one (party committee, Fatherland Front, mass organisation, police, ...).',
})
@Directive('@key(fields: "id")')
@Entity({ name: 'organisation' })
@Index('organisation_parent_idx', ['parentId'])
@Index('organisation_path_idx', { synchronize: false })
@Index('organisation_search_trgm_idx', { synchronize: false })
@Index('organisation_name_order_idx', { synchronize: false })
export class Organisation {
  @Field(() => ID, { description: "The organisation's id (a UUID): its federation key and its Node id." })
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Field(() => String, { description: "The organisation's full name." })
  @Column({ type: 'varchar', length: 300 })
  name!: string;

  @Field(() => String, { nullable: true, description: 'A short name or abbreviation; null when none was given.' })
  @Column({ name: 'short_name', type: 'varchar', length: 100, nullable: true })
  shortName!: string | null;

  @Field(() => OrganisationKind, { description: 'What sort of body it is.' })
  @Column({ type: 'enum', enum: OrganisationKind, enumName: 'organisation_kind' })
  kind!: OrganisationKind;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @ManyToOne(() => Organisation, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'parent_id' })
  parent?: Relation<Organisation>;

  /** Materialised path of ancestor ids and its own: `/<root>/<...>/<id>/`; subtree = prefix match. */
  @Column({ type: 'text' })
  path!: string;

  /** `name` folded for accent-insensitive search (see normaliseText). Trigram-indexed in SQL. */
  @Column({ name: 'search_name', type: 'text' })
  searchName!: string;

  @Field(() => Date, { nullable: true, description: 'When the organisation was archived; archived organisations are hidden from lists unless asked for.' })
  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;

  @Field(() => Date, { description: 'When the organisation was registered here.' })
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the organisation was last changed.' })
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Field(() => Int, { description: 'Increases with every change; send it back with an update so a stale edit is refused.' })
  @Column({ type: 'int', default: 1 })
  version!: number;
}
