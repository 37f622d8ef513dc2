import { ReservedAhead } from './reserved-ahead';

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function unitWith(reserve: jest.Mock) {
  const giveBack = jest.fn().mockResolvedValue(undefined);
  return { unit: new ReservedAhead<string>(reserve, giveBack), giveBack };
}

describe(ReservedAhead.name, () => {
  it('reserves once for every hold and use, and keeps a unit that was used', async () => {
    const reserve = jest.fn().mockResolvedValue('unit-1');
    const { unit, giveBack } = unitWith(reserve);

    const drops = [unit.hold(), unit.hold()];
    expect(await unit.use()).toBe('unit-1');
    drops.forEach((drop) => drop());
    await settled();

    expect(reserve).toHaveBeenCalledTimes(1);
    expect(giveBack).not.toHaveBeenCalled();
  });

  it('gives an unused unit back once its last hold is dropped, and reserves anew for a later use', async () => {
    const reserve = jest.fn().mockResolvedValueOnce('unit-1').mockResolvedValueOnce('unit-2');
    const { unit, giveBack } = unitWith(reserve);

    const [first, second] = [unit.hold(), unit.hold()];
    first();
    first();
    await settled();
    expect(giveBack).not.toHaveBeenCalled();
    second();
    await settled();
    expect(giveBack).toHaveBeenCalledWith('unit-1');

    expect(await unit.use()).toBe('unit-2');
    expect(giveBack).toHaveBeenCalledTimes(1);
  });

  it('rejects use() as the reservation did, and gives back nothing it never got', async () => {
    const refused = new Error('quota exhausted');
    const reserve = jest.fn().mockRejectedValue(refused);
    const { unit, giveBack } = unitWith(reserve);

    const drop = unit.hold();
    await expect(unit.use()).rejects.toBe(refused);
    await expect(unit.use()).rejects.toBe(refused);
    expect(reserve).toHaveBeenCalledTimes(2);
    drop();
    unit.hold()();
    await settled();

    expect(giveBack).not.toHaveBeenCalled();
  });

  it('asks once more at use() when the reservation made ahead was refused: units held ahead elsewhere may be back', async () => {
    const reserve = jest.fn().mockRejectedValueOnce(new Error('quota exhausted')).mockResolvedValueOnce('unit-2');
    const { unit, giveBack } = unitWith(reserve);

    const drop = unit.hold();
    await settled();
    const [first, second] = await Promise.all([unit.use(), unit.use()]);
    drop();
    await settled();

    expect([first, second]).toEqual(['unit-2', 'unit-2']);
    expect(reserve).toHaveBeenCalledTimes(2);
    expect(giveBack).not.toHaveBeenCalled();
  });
});
