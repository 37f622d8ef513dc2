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
    const { unit, giveBack } = unitWith(jest.fn().mockRejectedValue(refused));

    const drop = unit.hold();
    await expect(unit.use()).rejects.toBe(refused);
    drop();
    unit.hold()();
    await settled();

    expect(giveBack).not.toHaveBeenCalled();
  });
});
