import CSDBusVTable
import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// One interface registered at one path: the vtable sd-bus dispatches with, and the handlers its
/// trampolines call. It is the slot's userdata and lives as long as the slot (see `SlotUserdata`), so the
/// vtable, which sd-bus reads until the slot is gone, is freed only after it.
final class ExportedInterface {
    let name: String
    let path: DBusObjectPath
    private let methods: [String: DBusMethod]
    private let properties: [String: DBusProperty]
    private let vtable: OpaquePointer

    init(_ interface: DBusInterface, path: DBusObjectPath) throws(DBusError) {
        name = interface.name
        self.path = path
        var methods: [String: DBusMethod] = [:]
        for method in interface.methods {
            guard methods.updateValue(method, forKey: method.name) == nil else {
                throw DBusError(.invalidArguments, "\(interface.name) declares the method \(method.name) twice")
            }
        }
        var properties: [String: DBusProperty] = [:]
        for property in interface.properties {
            guard properties.updateValue(property, forKey: property.name) == nil else {
                throw DBusError(.invalidArguments, "\(interface.name) declares the property \(property.name) twice")
            }
        }
        self.methods = methods
        self.properties = properties
        vtable = try Self.makeVTable(interface)
    }

    deinit {
        pivlink_sdbus_vtable_free(vtable)
    }

    /// The entries to register, valid as long as this object.
    func vtableEntries() throws(DBusError) -> UnsafePointer<sd_bus_vtable> {
        guard let entries = pivlink_sdbus_vtable_entries(vtable) else {
            throw DBusError(.failed, "building the vtable of \(name): out of memory")
        }
        return entries.assumingMemoryBound(to: sd_bus_vtable.self)
    }

    private static func makeVTable(_ interface: DBusInterface) throws(DBusError) -> OpaquePointer {
        guard let vtable = pivlink_sdbus_vtable_new() else {
            throw DBusError(.failed, "building the vtable of \(interface.name): out of memory")
        }
        var result: Int32 = 0
        for method in interface.methods where result >= 0 {
            let names = DBusArgument.vtableNames(method.inputs + method.outputs)
            result = names.withUnsafeBufferPointer { names in
                names.withMemoryRebound(to: CChar.self) { names in
                    pivlink_sdbus_vtable_add_method(
                        vtable, method.name, DBusType.signature(of: method.inputs.map(\.type)),
                        DBusType.signature(of: method.outputs.map(\.type)), names.baseAddress, names.count,
                        methodTrampoline
                    )
                }
            }
        }
        for property in interface.properties where result >= 0 {
            result = pivlink_sdbus_vtable_add_property(
                vtable, property.name, property.type.signature, property.changeSignal.vtableValue, getterTrampoline,
                property.set == nil ? nil : setterTrampoline
            )
        }
        for signal in interface.signals where result >= 0 {
            let names = DBusArgument.vtableNames(signal.arguments)
            result = names.withUnsafeBufferPointer { names in
                names.withMemoryRebound(to: CChar.self) { names in
                    pivlink_sdbus_vtable_add_signal(
                        vtable, signal.name, DBusType.signature(of: signal.arguments.map(\.type)),
                        names.baseAddress, names.count
                    )
                }
            }
        }
        guard result >= 0 else {
            pivlink_sdbus_vtable_free(vtable)
            throw DBusError(.failed, "building the vtable of \(interface.name)", result: result)
        }
        return vtable
    }

    // MARK: dispatch

    private func handleCall(_ message: DBusMessage) {
        // sd-bus dispatches only members of this vtable, with arguments of the declared signature.
        guard let member = message.member, let method = methods[member] else { return }
        let arguments: [DBusValue]
        do {
            arguments = try message.readAll()
        } catch {
            DBusMethodCall(
                message: message, arguments: [], path: path, interface: name, member: member, outputTypes: []
            ).fail(error)
            return
        }
        let call = DBusMethodCall(
            message: message, arguments: arguments, path: path, interface: name, member: member,
            outputTypes: method.outputs.map(\.type)
        )
        do {
            try method.handler(call)
        } catch {
            call.fail(error)
        }
    }

    /// Appends the property's value to `reply` (inside the variant sd-bus opened).
    private func get(_ propertyName: String, into reply: DBusMessage) throws(DBusError) {
        guard let property = properties[propertyName] else {
            throw DBusError(.invalidArguments, "\(name) has no property \(propertyName)")
        }
        let value = try property.get()
        guard value.type == property.type else {
            throw DBusError(
                .failed, "\(name).\(propertyName) is '\(value.type.signature)', not '\(property.type.signature)'"
            )
        }
        try reply.append(value)
    }

    /// Reads the value (sd-bus entered the variant and checked its type) and hands it to the setter.
    private func set(_ propertyName: String, from message: DBusMessage) throws(DBusError) {
        guard let property = properties[propertyName], let setter = property.set else {
            throw DBusError(.invalidArguments, "\(name).\(propertyName) is not writable")
        }
        guard let value = try message.readValue() else {
            throw DBusError(.typeMismatch, "no value to set \(name).\(propertyName) to")
        }
        try setter(value)
    }

    /// Reports `error` through sd-bus's error out-parameter; the negative result makes sd-bus reply with it.
    private static func report(_ error: DBusError, to sdBusError: UnsafeMutableRawPointer?) -> Int32 {
        guard let sdBusError else { return -EIO }
        return error.store(in: sdBusError.assumingMemoryBound(to: sd_bus_error.self))
    }

    private static func from(_ userdata: UnsafeMutableRawPointer) -> ExportedInterface {
        Unmanaged<ExportedInterface>.fromOpaque(userdata).takeUnretainedValue()
    }

    private static let methodTrampoline: pivlink_sdbus_method_handler = { message, userdata, _ in
        guard let message, let userdata else { return 0 }
        from(userdata).handleCall(DBusMessage(retaining: OpaquePointer(message)))
        // Handled: the call object answers, now or later.
        return 1
    }

    private static let getterTrampoline: pivlink_sdbus_property_getter = {
        _, _, _, property, reply, userdata, sdBusError in
        guard let property, let reply, let userdata else { return -EINVAL }
        do throws(DBusError) {
            try from(userdata).get(String(cString: property), into: DBusMessage(retaining: OpaquePointer(reply)))
            return 0
        } catch {
            return report(error, to: sdBusError)
        }
    }

    private static let setterTrampoline: pivlink_sdbus_property_setter = {
        _, _, _, property, value, userdata, sdBusError in
        guard let property, let value, let userdata else { return -EINVAL }
        do throws(DBusError) {
            try from(userdata).set(String(cString: property), from: DBusMessage(retaining: OpaquePointer(value)))
            return 0
        } catch {
            return report(error, to: sdBusError)
        }
    }
}

extension DBusProperty.ChangeSignal {
    fileprivate var vtableValue: pivlink_sdbus_property_change {
        switch self {
        case .emitsValue: PIVLINK_SDBUS_PROPERTY_EMITS_CHANGE
        case .emitsInvalidation: PIVLINK_SDBUS_PROPERTY_EMITS_INVALIDATION
        case .constant: PIVLINK_SDBUS_PROPERTY_CONST
        case .silent: PIVLINK_SDBUS_PROPERTY_SILENT
        }
    }
}
